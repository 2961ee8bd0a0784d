// A migrated PGlite data directory on disk, built once per test run (vitest's globalSetup) and keyed by the
// migrations, so that every PGlite test app loads it instead of running initdb and the migrations again.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import { openDatabase } from '../../service/db/client'
import { migrate } from '../../service/db/migrate'

const migrations = fileURLToPath(new URL('../../service/db/migrations', import.meta.url))

/** Where the template of the current migrations lives. */
function templatePath(): string {
  const hash = createHash('sha256')
  for (const dir of [migrations, join(migrations, 'meta')])
    for (const f of readdirSync(dir).sort())
      if (f.endsWith('.sql') || f.endsWith('.json'))
        hash.update(f).update(readFileSync(join(dir, f)))
  return join(tmpdir(), `wechat-login-stack-pglite-${hash.digest('hex').slice(0, 16)}.tar`)
}

/** Builds the template unless it is already there; answers its path. */
export async function buildTemplate(): Promise<string> {
  const path = templatePath()
  if (
    await readFile(path).then(
      () => true,
      () => false,
    )
  )
    return path
  const template = await openDatabase({})
  await migrate(template.db)
  const dump = await (template.db as unknown as { $client: PGlite }).$client.dumpDataDir('none')
  await template.close()
  // Written aside and renamed, so a concurrent reader never sees half a file.
  const partial = `${path}.${process.pid}`
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
  await rename(partial, path)
  return path
}

/** The template as a Blob for PGlite's loadDataDir (built here if globalSetup did not). */
export async function migratedPglite(): Promise<Blob> {
  return new Blob([await readFile(await buildTemplate())])
}
