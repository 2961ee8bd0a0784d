// `npm run bench`: the load benchmark. Builds the service, the simulator, two floors and the login ceiling,
// runs each as its own process, measures on PostgreSQL (a fresh database) and then on PGlite, prints ours ÷
// floor for each scenario against the targets (and, for logins, ours ÷ ceiling), and writes
// bench/results.json. Processes and the database are always cleaned up. Options: --duration 10 (s per
// scenario and target) --warmup 2 --connections 50 --rounds 5 (alternating slices) --only postgres|pglite
// --scenarios returning,new,refresh,me --profile (CPU profiles of the service) --keep-logs
// --node-args "<flags for the service's node>"
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildAll } from './build'
import { createBenchDatabase, defaultServer, type BenchDatabase } from './database'
import { runPhase } from './phase'
import { freePort, launch, stopAll } from './processes'
import { printPhase, verdict, writeResults, type Phase } from './report'
import { simApps } from './targets'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
    users: { type: 'string', default: '2000' },
    only: { type: 'string' },
    scenarios: { type: 'string', default: 'returning,new,refresh,me' },
    profile: { type: 'boolean', default: false },
    'keep-logs': { type: 'boolean', default: false },
    /** Extra node flags for the service process, e.g. "--max-semi-space-size=32" (space-separated). */
    'node-args': { type: 'string', default: '' },
  },
})
const load = {
  durationS: Number(args.duration),
  warmupS: Number(args.warmup),
  connections: Number(args.connections),
  rounds: Number(args.rounds),
}
const databases = (['postgres', 'pglite'] as const).filter((d) => !args.only || args.only === d)
const log = (line: string) => console.log(line)

const workDir = await mkdtemp(join(tmpdir(), 'wls-bench-'))
let database: BenchDatabase | undefined
let cleaning: Promise<void> | undefined
const cleanup = () =>
  (cleaning ??= (async () => {
    await stopAll()
    await database?.drop().catch((err: unknown) => log(`could not drop ${database?.name}: ${err}`))
    if (!args['keep-logs'] && !args.profile) await rm(workDir, { recursive: true, force: true })
  })())
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void cleanup().finally(() => process.exit(130)))

try {
  const started = new Date()
  log(`building into the cache; logs in ${workDir}`)
  const builds = await buildAll()
  const simPort = await freePort()
  const sim = await launch('simulator', {
    script: builds.simulator,
    args: ['--port', String(simPort)],
    port: simPort,
    readyPath: '/__sim/clock',
    logDir: workDir,
    env: {
      SIM_APPS: simApps(),
    },
  })
  const phases: Phase[] = []
  for (const kind of databases) {
    if (kind === 'postgres') {
      database = await createBenchDatabase(process.env.DATABASE_URL || defaultServer)
      log(`\nPostgreSQL: database ${database.name}`)
    } else log('\nPGlite: a fresh data directory')
    const phase = await runPhase({
      database: kind,
      databaseUrl: database?.url,
      workDir,
      simUrl: sim.url,
      builds,
      load,
      returningUsers: Number(args.users),
      // PGlite answers ~700 logins/s (docs/benchmark.md); PostgreSQL's practical ceiling here is ~2,500.
      poolRate: kind === 'postgres' ? 6000 : 2000,
      scenarios: new Set(args.scenarios.split(',')),
      serviceNodeArgs: [
        ...args['node-args'].split(' ').filter(Boolean),
        ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${workDir}`] : []),
      ],
      log,
    })
    phases.push(phase)
    printPhase(phase, log)
    await database?.drop()
    database = undefined
  }
  const { missed, flagged } = verdict(phases)
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version }
  await writeResults('bench/results.json', {
    started: started.toISOString(),
    machine,
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    load,
    phases,
    missed,
    flagged,
  })
  log('')
  for (const [db, list] of Object.entries(missed))
    log(`${db}: ${list.length ? `missed ${list.join('; ')}` : 'all targets met'}`)
  if (flagged) log('Some runs had errors (⚠): their figures are not comparable.')
  log(
    `Load average at the end: ${loadavg()[0]!.toFixed(2)} on ${machine.cpus} cores. Other work on this` +
      ' machine moves the figures: run it more than once before trusting one run.',
  )
  if (args.profile) log(`CPU profiles of the service: ${workDir}/*.cpuprofile`)
  log('Wrote bench/results.json')
  process.exitCode = flagged ? 2 : 0
} catch (err) {
  log(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  log(`logs: ${workDir}`)
  args['keep-logs'] = true
  process.exitCode = 1
} finally {
  await cleanup()
}
