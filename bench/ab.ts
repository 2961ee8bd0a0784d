// A/B of two service trees on PostgreSQL: both run at once on one database, each scenario alternates
// between them in slices, and B ÷ A is printed. For measuring one hot-path change at a time on a shared,
// noisy machine. The trees are directories holding service/ (e.g. `git archive HEAD service | tar -x -C a`).
// Usage: npx tsx bench/ab.ts --a <dir> --b <dir> [--scenarios returning,new,solo,refresh,me]
// [--duration 10] [--a-args/--b-args <node flags>]
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildAll, buildService } from './build'
import { backendPids, createBenchDatabase, defaultServer } from './database'
import { measure, type Target } from './load'
import { cursor, loginRequest, mintCodes, seedLogins } from './pools'
import { freePort, launch, stopAll } from './processes'
import { benchApp, loginPath, serviceEnv, simApps, soloApp } from './targets'

const { values: args } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    scenarios: { type: 'string', default: 'returning,new,me' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    /** Node flags for A's and B's process, e.g. --b-args=--max-semi-space-size=8 */
    'a-args': { type: 'string', default: '' },
    'b-args': { type: 'string', default: '' },
    /** Extra environment for A's and B's process: KEY=VALUE, space-separated. */
    'a-env': { type: 'string', default: '' },
    'b-env': { type: 'string', default: '' },
  },
})
if (!args.a || !args.b) throw new Error('usage: ab.ts --a <dir> --b <dir>')
const schedule = {
  durationS: Number(args.duration),
  warmupS: Number(args.warmup),
  rounds: Number(args.rounds),
  connections: Number(args.connections),
}
const workDir = await mkdtemp(join(tmpdir(), 'wls-ab-'))
const database = await createBenchDatabase(process.env.DATABASE_URL || defaultServer)
try {
  const builds = await buildAll()
  const scripts = {
    a: await buildService(resolve(args.a, 'service/main.ts'), 'service-a'),
    b: await buildService(resolve(args.b, 'service/main.ts'), 'service-b'),
  }
  const simPort = await freePort()
  const sim = await launch('simulator', {
    script: builds.simulator,
    args: ['--port', String(simPort)],
    port: simPort,
    readyPath: '/__sim/clock',
    logDir: workDir,
    env: { SIM_APPS: simApps() },
  })
  // One key and issuer for both, so that each accepts the other's tokens.
  const shared = { masterKey: randomBytes(32).toString('base64'), publicUrl: 'http://bench.local' }
  const start = async (name: 'a' | 'b') => {
    const port = await freePort()
    const env = serviceEnv({ port, simUrl: sim.url, database: { DATABASE_URL: database.url } })
    return launch(`service-${name}`, {
      script: scripts[name],
      nodeArgs: args[`${name}-args`].split(' ').filter(Boolean),
      port,
      readyPath: '/readyz',
      logDir: workDir,
      env: {
        ...env,
        MASTER_KEY: shared.masterKey,
        PUBLIC_URL: shared.publicUrl,
        ...Object.fromEntries(
          args[`${name}-env`]
            .split(' ')
            .filter(Boolean)
            .map((kv) => kv.split('=') as [string, string]),
        ),
      },
    })
  }
  const a = await start('a')
  const b = await start('b')
  const mint = (users: string[]) => mintCodes(sim.url, benchApp.appId, users)
  const users = Array.from({ length: 2000 }, (_, i) => `returning-${i}`)
  const seeded = await seedLogins(a.url + loginPath(), await mint(users))
  const poolSize = 6000 * (schedule.durationS + schedule.warmupS)
  const pick = (i: number) => users[i % users.length]!
  const logins = async (
    who: (i: number) => string,
    app: typeof benchApp | typeof soloApp = benchApp,
  ) =>
    cursor(
      await mintCodes(
        sim.url,
        app.appId,
        Array.from({ length: poolSize }, (_, i) => who(i)),
      ),
      (code) => loginRequest(loginPath(app), code),
    )
  const bearer = seeded.slice(0, 5).map((s) => `Bearer ${s.accessToken as string}`)
  let n = 0
  const me = () => ({ method: 'GET', path: '/v1/me', headers: { authorization: bearer[n++ % 5]! } })
  // Each side spends its own half of the seeded refresh tokens, and queues the ones it answers.
  const refreshQueue = (tokens: string[]) => {
    let head = 0
    const next = () => {
      const refreshToken = tokens[head++]
      if (refreshToken === undefined) return undefined
      const body = JSON.stringify({ refreshToken })
      return {
        method: 'POST',
        path: '/v1/token',
        headers: { 'content-type': 'application/json' },
        body,
      }
    }
    const onBody = (status: number, body: string) => {
      if (status === 200) tokens.push((JSON.parse(body) as { refreshToken: string }).refreshToken)
    }
    return { next, onBody }
  }
  const refreshTokens = seeded.map((s) => s.refreshToken as string)
  const refreshA = refreshQueue(refreshTokens.slice(0, 1000))
  const refreshB = refreshQueue(refreshTokens.slice(1000))
  const scenarios: Record<string, () => Promise<[Target['next'], Target['next']]>> = {
    refresh: async () => [refreshA.next, refreshB.next],
    returning: async () => [await logins(pick), await logins(pick)],
    new: async () => [await logins((i) => `new-a-${i}`), await logins((i) => `new-b-${i}`)],
    solo: async () => [
      await logins((i) => `solo-a-${i}`, soloApp),
      await logins((i) => `solo-b-${i}`, soloApp),
    ],
    me: async () => [me, me],
  }
  console.log(
    `A = ${args.a}, B = ${args.b}\n${'scenario'.padEnd(10)}   A req/s   B req/s   B÷A   A CPU µs   B CPU µs`,
  )
  for (const name of args.scenarios.split(',')) {
    const [nextA, nextB] = await scenarios[name]!()
    const target = (p: typeof a, next: Target['next'], onBody?: Target['onBody']) => ({
      ...p,
      next,
      onBody: name === 'refresh' ? onBody : undefined,
    })
    const targets = [target(a, nextA, refreshA.onBody), target(b, nextB, refreshB.onBody)]
    const [ra, rb] = await measure(targets, schedule, () => backendPids(database.url))
    const cpu = (r: typeof ra) => `${r!.cpuUsPerRequest.process}+${r!.cpuUsPerRequest.postgres}`
    const bad = ra!.non2xx + rb!.non2xx + ra!.errors + rb!.errors
    console.log(
      `${name.padEnd(10)}${String(ra!.rps).padStart(10)}${String(rb!.rps).padStart(10)}` +
        `${(rb!.rps / ra!.rps).toFixed(2).padStart(6)}${cpu(ra).padStart(11)}${cpu(rb).padStart(11)}` +
        `${String(ra!.rssPeakMb).padStart(7)}${String(rb!.rssPeakMb).padStart(7)}` +
        (bad ? `   ⚠ ${bad} failed` : ''),
    )
  }
} finally {
  await stopAll()
  await database.drop()
  await rm(workDir, { recursive: true, force: true })
}
