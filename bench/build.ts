// Bundles what the benchmark starts (the service, the simulator, the two floors and the ceiling) the way
// scripts/build.mjs bundles the service for `npm run serve`: plain `node` then runs each one, so the pid we
// sample is the server itself and no TypeScript loader thread inflates its memory.
import { cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'

/** Inside node_modules so that the bundles' external imports resolve; ignored by git. */
export const buildDir = 'node_modules/.cache/wechat-login-stack-bench'

export const entries = {
  service: 'service/main.ts',
  simulator: 'simulator/main.ts',
  'floor-login': 'bench/floor-login.ts',
  'floor-verify': 'bench/floor-verify.ts',
  'ceiling-login': 'bench/ceiling-login.ts',
} as const

export type Entry = keyof typeof entries

const options = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
} as const

export async function buildAll(): Promise<Record<Entry, string>> {
  await rm(buildDir, { recursive: true, force: true })
  await build({ ...options, entryPoints: entries, outdir: buildDir })
  // service/db/migrate.ts reads the migrations beside the bundle, as in dist/service.
  await cp('service/db/migrations', join(buildDir, 'migrations'), { recursive: true })
  const out = {} as Record<Entry, string>
  for (const name of Object.keys(entries) as Entry[]) out[name] = join(buildDir, `${name}.js`)
  return out
}

/** Another service tree (bench/ab.ts), bundled beside the others as `<name>.js`. */
export async function buildService(mainTs: string, name: string): Promise<string> {
  const outfile = join(buildDir, `${name}.js`)
  await build({ ...options, entryPoints: [mainTs], outfile })
  return outfile
}
