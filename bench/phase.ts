// One database's half of the benchmark: start the service, the two floors and the login ceiling on it, seed
// returning users, then measure each scenario in slices alternating with its floor (and, for logins, the
// ceiling), so that all see the same background.
import { join } from 'node:path'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose'
import type { Entry } from './build'
import { backendPids } from './database'
import { measure, type LoadResult, type Schedule, type Target } from './load'
import { cursor, loginRequest, mintCodes, seedLogins } from './pools'
import { freePort, launch, type Proc } from './processes'
import { judge, type Phase, type Scenario } from './report'
import { benchApp, loginPath, serviceEnv, soloApp } from './targets'

export interface PhaseOptions {
  database: 'postgres' | 'pglite'
  /** postgres: the bench database. */
  databaseUrl?: string
  /** Where this phase's PGlite data and logs go. */
  workDir: string
  simUrl: string
  builds: Record<Entry, string>
  load: Schedule
  /** Users logged in once before the returning-user scenario. */
  returningUsers: number
  /** Pools hold this many requests per second of the run: more than either process can answer. */
  poolRate: number
  serviceNodeArgs: string[]
  /** Which of returning, new, refresh, me to measure. */
  scenarios: Set<string>
  log: (line: string) => void
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i))

async function startTargets(o: PhaseOptions) {
  const [port, floorPort, verifyPort, ceilingPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  const db: Record<string, string> = o.databaseUrl
    ? { DATABASE_URL: o.databaseUrl }
    : { DATA_DIR: join(o.workDir, 'service-data') }
  const service = await launch(`service-${o.database}`, {
    script: o.builds.service,
    nodeArgs: o.serviceNodeArgs,
    port,
    readyPath: '/readyz',
    logDir: o.workDir,
    env: serviceEnv({ port, simUrl: o.simUrl, database: db }),
  })
  // The floor and the ceiling: the same environment, each its own PGlite when there is no server.
  const loginTarget = (kind: 'floor' | 'ceiling', port: number) =>
    launch(`${kind}-login-${o.database}`, {
      script: o.builds[`${kind}-login`],
      port,
      readyPath: '/healthz',
      logDir: o.workDir,
      env: {
        ...(o.databaseUrl
          ? { DATABASE_URL: o.databaseUrl }
          : { DATA_DIR: join(o.workDir, `${kind}-data`) }),
        PORT: String(port),
        WECHAT_API_BASE_URL: o.simUrl,
        APP_ID: benchApp.appId,
        APP_SECRET: benchApp.appSecret,
        CONNECTION: benchApp.id,
        ISSUER: service.url,
      },
    })
  const floorLogin = await loginTarget('floor', floorPort)
  const ceilingLogin = await loginTarget('ceiling', ceilingPort)
  const jwks = await (await fetch(`${service.url}/.well-known/jwks.json`)).text()
  const floorVerify = await launch(`floor-verify-${o.database}`, {
    script: o.builds['floor-verify'],
    port: verifyPort,
    readyPath: '/healthz',
    logDir: o.workDir,
    env: { PORT: String(verifyPort), JWKS: jwks, ISSUER: service.url, AUDIENCE: benchApp.appId },
  })
  return { service, floorLogin, floorVerify, ceilingLogin }
}

/** An answer's shape: its keys and their types, all the way down. */
const shape = (v: unknown): unknown =>
  v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]))
    : typeof v

/**
 * The ceiling is only a fair measure if it does the floor's job: its answer has the floor's shape and its
 * access token verifies (ES256, issuer, audience) against the JWKS it publishes. Checked before measuring.
 */
async function checkCeiling(
  ceiling: Proc,
  answer: Record<string, unknown>,
  floorAnswer: Record<string, unknown>,
  issuer: string,
) {
  const ours = JSON.stringify(shape(answer))
  const floors = JSON.stringify(shape(floorAnswer))
  if (ours !== floors) throw new Error(`the ceiling answers ${ours}, the floor ${floors}`)
  const jwks = (await (await fetch(`${ceiling.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet
  const { payload } = await jwtVerify(answer.accessToken as string, createLocalJWKSet(jwks), {
    issuer,
    audience: benchApp.appId,
    algorithms: ['ES256'],
  })
  const user = answer.user as { id: unknown }
  if (payload.sub !== String(user.id)) throw new Error(`the ceiling's token names ${payload.sub}`)
}

export async function runPhase(o: PhaseOptions): Promise<Phase> {
  const { service, floorLogin, floorVerify, ceilingLogin } = await startTargets(o)
  const procs: Proc[] = [service, floorLogin, floorVerify, ceilingLogin]
  try {
    const poolSize = Math.ceil(o.poolRate * (o.load.durationS + o.load.warmupS))
    const mint = (users: string[]) => mintCodes(o.simUrl, benchApp.appId, users)
    const target = (p: Proc, next: Target['next'], onBody?: Target['onBody']): Target => ({
      name: p.name,
      url: p.url,
      pid: p.pid,
      next,
      onBody,
    })
    const run = (what: string, targets: Target[]) => {
      o.log(`  ${what}: ${targets.map((t) => t.name).join(' and ')}`)
      const url = o.databaseUrl
      return measure(targets, o.load, url ? () => backendPids(url) : undefined)
    }
    const logins = (codes: string[], path: string) => cursor(codes, (c) => loginRequest(path, c))
    const scenarios: Scenario[] = []

    o.log(`  seeding ${o.returningUsers} returning users on each target`)
    const returning = range(o.returningUsers, (i) => `returning-${i}`)
    const seeded = await seedLogins(service.url + loginPath(), await mint(returning))
    const [floorSeeded] = await seedLogins(floorLogin.url + '/login', await mint(returning))
    const [ceilingSeeded] = await seedLogins(ceilingLogin.url + '/login', await mint(returning))
    await checkCeiling(ceilingLogin, ceilingSeeded!, floorSeeded!, service.url)
    const bearer = seeded.slice(0, 5).map((a) => `Bearer ${a.accessToken as string}`)

    // Every login and refresh we answer yields a refresh token, spent once by the refresh scenario.
    const refreshTokens = seeded.map((a) => a.refreshToken as string)
    const collect: Target['onBody'] = (status, body) => {
      if (status === 200)
        refreshTokens.push((JSON.parse(body) as { refreshToken: string }).refreshToken)
    }

    let floorReturning: LoadResult | undefined
    if (o.scenarios.has('returning')) {
      const pool = () => mint(range(poolSize, (i) => returning[i % returning.length]!))
      const [floorRun, ceilingRun, ours] = await run('returning-user logins', [
        target(floorLogin, logins(await pool(), '/login')),
        target(ceilingLogin, logins(await pool(), '/login')),
        target(service, logins(await pool(), loginPath()), collect),
      ])
      floorReturning = floorRun
      scenarios.push(
        judge('returning-user login', ours!, floor('floor login', floorRun!), ceiling(ceilingRun!)),
      )
    }

    if (o.scenarios.has('new')) {
      // Two of ours against one floor: an app without unionid (the identity is the person) and one with
      // (the person may already be a user through another app: looked up under a lock).
      const pool = (who: string, app: { appId: string } = benchApp) =>
        mintCodes(
          o.simUrl,
          app.appId,
          range(poolSize, (i) => `new-${o.database}-${who}-${i}`),
        )
      const [floorRun, ceilingRun, solo, union] = await run('new-user logins', [
        target(floorLogin, logins(await pool('floor'), '/login')),
        target(ceilingLogin, logins(await pool('ceiling'), '/login')),
        target(service, logins(await pool('solo', soloApp), loginPath(soloApp)), collect),
        target(service, logins(await pool('union'), loginPath()), collect),
      ])
      const floorNew = floor('floor login', floorRun!)
      const ceilingNew = ceiling(ceilingRun!)
      scenarios.push(judge('new-user login', solo!, floorNew, ceilingNew))
      scenarios.push(judge('new-user login, unionid', union!, floorNew, ceilingNew))
    }

    if (o.scenarios.has('refresh')) {
      // Each refresh answers the next token, which joins the back of the queue as a client's next
      // refresh would: the queue only shrinks on a failed refresh.
      let head = 0
      const refresh = () => {
        const refreshToken = refreshTokens[head++]
        if (refreshToken === undefined) return undefined
        const body = JSON.stringify({ refreshToken })
        return { method: 'POST', path: '/v1/token', headers: json, body }
      }
      const [ours] = await run('refreshes', [target(service, refresh, collect)])
      // No floor of its own: shown against the login floor for scale, with no target.
      const scale = floorReturning && floor('floor login', floorReturning)
      scenarios.push(judge('refresh', ours!, scale))
    }

    if (o.scenarios.has('me')) {
      let n = 0
      const me = () => ({
        method: 'GET',
        path: '/v1/me',
        headers: { authorization: bearer[n++ % 5]! },
      })
      const [floorRun, ours] = await run('GET /v1/me', [
        target(floorVerify, me),
        target(service, me),
      ])
      scenarios.push(judge('GET /v1/me', ours!, floor('floor verify', floorRun!)))
    }
    return { database: o.database, scenarios }
  } finally {
    await Promise.all(procs.map((p) => p.stop()))
  }
}

const json = { 'content-type': 'application/json' }
const floor = (name: string, result: LoadResult) => ({ name, result })
const ceiling = (result: LoadResult) => ({ name: 'ceiling login', result })
