// `npx tsx bench/import.ts [--users 100000] [--lines-per-request 5000]`: times `npm run import` of a
// generated file into the production build on a fresh PostgreSQL database (DATABASE_URL, default the local
// server), then its rerun (every line skipped), sampling the service's and the CLI's resident memory.
// The file is written to a temporary directory and removed; nothing is committed.
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { buildAll } from './build'
import { backendPids, createBenchDatabase, defaultServer } from './database'
import { cpuSeconds, freePort, launch, rssMb, stopAll } from './processes'
import { benchApp, serviceEnv, soloApp } from './targets'

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    'lines-per-request': { type: 'string', default: '5000' },
  },
})
const count = Number(values.users)
const dir = mkdtempSync(join(tmpdir(), 'bench-import-'))
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef'

/** A user as a migrating team's file has them: an old id, a phone, a profile, one or two identities. */
async function writeFile(file: string) {
  const out = createWriteStream(file)
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(8, '0')
    const identities = [{ connection: benchApp.id, openid: `oBench${n}`, unionid: `uBench${n}` }]
    if (i % 2 === 0)
      identities.push({ connection: soloApp.id, openid: `oSolo${n}`, unionid: undefined! })
    const line = {
      externalId: `legacy-${i}`,
      ...(i % 4 !== 3 && { phone: `+86139${n}` }),
      nickname: `user ${i}`,
      avatar: `https://cdn.example.com/avatars/${i}.png`,
      gender: i % 3 === 0 ? 'female' : 'male',
      identities,
    }
    if (!out.write(JSON.stringify(line) + '\n')) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

/** Runs the CLI to completion, sampling both processes' memory every 50 ms. */
async function runImport(file: string, serviceRss: () => number) {
  const started = performance.now()
  const cpuBefore = cpuSeconds(service.pid)
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/import.ts',
      file,
      '--url',
      service.url,
      '--lines-per-request',
      values['lines-per-request'],
    ],
    {
      env: { PATH: process.env.PATH ?? '', ADMIN_API_KEY: ADMIN_KEY },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = once(child, 'exit')
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d))
  let peakService = 0
  let peakCli = 0
  const timer = setInterval(() => {
    peakService = Math.max(peakService, serviceRss())
    peakCli = Math.max(peakCli, rssMb(child.pid!))
  }, 50)
  let cliCpu = 0
  const sampleCpu = setInterval(() => {
    cliCpu = Math.max(cliCpu, cpuSeconds(child.pid!))
  }, 200)
  const pids = await backendPids(database.url)
  const dbBefore = pids.reduce((a, p) => a + cpuSeconds(p), 0)
  const [code] = (await exited) as [number]
  clearInterval(timer)
  clearInterval(sampleCpu)
  const dbCpu = pids.reduce((a, p) => a + cpuSeconds(p), 0) - dbBefore
  const serviceCpu = cpuSeconds(service.pid) - cpuBefore
  return {
    seconds: (performance.now() - started) / 1000,
    code,
    stdout: stdout.trim(),
    peakService,
    peakCli,
    cpu: `CPU s: service ${serviceCpu.toFixed(1)}, PostgreSQL ${dbCpu.toFixed(1)}, CLI ≥${cliCpu.toFixed(1)}`,
  }
}

const database = await createBenchDatabase(process.env.DATABASE_URL ?? defaultServer)
let service: Awaited<ReturnType<typeof launch>>
try {
  const bundles = await buildAll()
  const port = await freePort()
  service = await launch('service', {
    script: bundles.service,
    env: {
      ...serviceEnv({
        port,
        simUrl: 'http://127.0.0.1:9',
        database: { DATABASE_URL: database.url },
      }),
      ADMIN_API_KEY: ADMIN_KEY,
    },
    port,
    readyPath: '/readyz',
    logDir: dir,
  })
  const file = join(dir, 'users.ndjson')
  await writeFile(file)
  const idle = service.rssMb()
  const first = await runImport(file, () => service.rssMb())
  const rerun = await runImport(file, () => service.rssMb())
  const mb = (x: number) => `${x.toFixed(0)} MB`
  for (const [name, r] of [
    ['import', first],
    ['rerun', rerun],
  ] as const)
    console.log(
      `${name.padEnd(6)} ${count} users in ${r.seconds.toFixed(1)} s (${Math.round(count / r.seconds)}/s), exit ${r.code}: ${r.stdout}; peak RSS service ${mb(r.peakService)} (idle ${mb(idle)}), CLI ${mb(r.peakCli)}; ${r.cpu}`,
    )
} finally {
  await stopAll()
  await database.drop()
  rmSync(dir, { recursive: true, force: true })
}
