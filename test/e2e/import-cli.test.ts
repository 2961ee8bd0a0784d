// `npm run import` as a real process against the running service: it sends the file in parts, prints the
// report with the file's own line numbers, exits 1 when a line was refused and 0 on a clean rerun.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { eq, like } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { users } from '../../service/db/schema'
import { clockEnv } from '../helpers/spawn-service'
import { createTestApp, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-import-cli-0123456789'
const dir = mkdtempSync(join(tmpdir(), 'import-cli-'))
let t: TestApp

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY } })
})
afterAll(async () => {
  await t.close()
  rmSync(dir, { recursive: true, force: true })
})

type Run = { code: number; stdout: string; stderr: string }
function cli(args: string[], env: Record<string, string> = { ADMIN_API_KEY: ADMIN_KEY }) {
  return promisify(execFile)('node', ['--import', 'tsx', 'scripts/import.ts', ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    timeout: 60_000,
    env: { PATH: process.env.PATH!, ...clockEnv(), ...env },
  }).then(
    (r): Run => ({ code: 0, ...r }),
    (err: Run) => err,
  )
}

describe('npm run import', () => {
  it('imports a file in parts, reports a bad line by its number in the file, and exits 1', async () => {
    const lines = Array.from({ length: 25 }, (_, i) =>
      JSON.stringify({ externalId: `cli-${i + 1}`, nickname: `n${i + 1}` }),
    )
    lines[16] = '{"externalId": "cli-17", "phone": "not a phone"}'
    const file = join(dir, 'users.ndjson')
    writeFileSync(file, lines.join('\n') + '\n')
    const run = await cli([file, '--url', t.url, '--lines-per-request', '10'])
    expect(run.stdout.trim()).toBe('created 24, updated 0, skipped 0, errors 1')
    expect(run.stderr).toMatch(/^line 17: invalid_request: phone: /m)
    expect(run.code).toBe(1)
    expect(await t.db.select().from(users).where(like(users.externalId, 'cli-%'))).toHaveLength(24)
    const [u25] = await t.db.select().from(users).where(eq(users.externalId, 'cli-25'))
    expect(u25?.nickname).toBe('n25')

    lines[16] = JSON.stringify({ externalId: 'cli-17', nickname: 'n17' })
    writeFileSync(file, lines.join('\n')) // no newline after the last line this time
    const fixed = await cli([file, '--url', t.url, '--lines-per-request', '10'])
    expect(fixed).toMatchObject({ code: 0, stdout: 'created 1, updated 0, skipped 24, errors 0\n' })
  })

  it('exits 2 with a sentence when the admin key is wrong or missing', async () => {
    const file = join(dir, 'one.ndjson')
    writeFileSync(file, '{"externalId":"cli-key"}\n')
    const wrong = await cli([file, '--url', t.url], { ADMIN_API_KEY: 'wrong' })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain('admin_unauthorized')
    const missing = await cli([file, '--url', t.url], {})
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('Set ADMIN_API_KEY')
    expect(await t.db.select().from(users).where(eq(users.externalId, 'cli-key'))).toEqual([])
  })
})
