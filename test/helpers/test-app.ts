// createTestApp(): the real service over real HTTP, on a fresh PGlite (or, with TEST_DB=postgres, a fresh
// database on DATABASE_URL's server), talking to the WeChat simulator over HTTP, with a clock tests can set.
import { Writable } from 'node:stream'
import postgres from 'postgres'
import { bootstrap, type Service } from '../../service/bootstrap'
import type { Hono } from 'hono'
import { loadConfig, type Config } from '../../service/config'
import { openDatabase } from '../../service/db/client'
import { createLogger } from '../../service/log'
import { startServer } from '../../service/server'
import { startSimulator, type StartedSimulator } from '../../simulator/server'
import { migratedPglite } from './pglite-template'
import { assertNoSecretsLogged, configSecrets } from './secrets'

export const APP_A = {
  id: 'shop',
  appId: 'wx00000000000000a1',
  appSecret: '5e1f0c9a7b3d2e4f6a8c0b1d3e5f7a9c',
}
export const APP_B = {
  id: 'mall',
  appId: 'wx00000000000000b2',
  appSecret: 'b7d04e2c9f1a3b5c7d9e0f2a4b6c8d1e',
}
export const APP_SOLO = {
  id: 'solo',
  appId: 'wx00000000000000c3',
  appSecret: 'c3a9e1f7b5d2c4e6a8f0b2d4c6e8a0f1',
}
/** Fixed test material, random-looking so that no generated input contains it by chance. */
export const MASTER_KEY = 'q8Zk3VwB9x1rT4mN7pL2sY6dH0fJ5gC8uE3aW1oK9iQ='

export interface TestConnection {
  id: string
  appId: string
  appSecret: string
  loginOnly?: boolean
  authingAppId?: string
  legacyPhoneData?: boolean
  /** Apps with the same openPlatform share unionids (one WeChat developer account). */
  openPlatform?: string
  qrLoginPage?: string
  qrLoginEnvVersion?: 'release' | 'trial' | 'develop'
  webOrigins?: string[]
  /** 消息推送's Token and EncodingAESKey (WeChat's pushes to the service). */
  pushToken?: string
  encodingAesKey?: string
  /** The simulator's published pages of this Mini Program (getwxacodeunlimit checks them). */
  pages?: string[]
}

export interface TestAppOptions {
  connections?: TestConnection[]
  env?: Record<string, string>
  /** Reuse a running simulator (several service instances against one WeChat). */
  simulator?: StartedSimulator
  /** Extra pages the service serves at its root, given the simulator (the playground's browser test). */
  pages?: (sim: StartedSimulator, config: Config) => Promise<Hono>
  /** Where the service's clock starts (default: the real now, so that every other reader of time agrees). */
  startAt?: Date
}

/**
 * The service's clock. It starts from the real now: jose in a test, the simulator and the database all read the
 * real clock, so a fixed calendar date would turn into a failing suite the day tokens signed at it expire.
 */
export class Clock {
  constructor(public current = new Date()) {}
  now = () => new Date(this.current)
  advance(seconds: number) {
    this.current = new Date(this.current.getTime() + seconds * 1000)
  }
}

/** A fresh PostgreSQL database on the server at DATABASE_URL, dropped by the returned function. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(process.env.DATABASE_URL!)
  const name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = postgres(base.toString(), { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE "${name}"`)
  await admin.end()
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(base.toString(), { max: 1, onnotice: () => {} })
      await a.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await a.end()
    },
  }
}

export const usePostgres = () => process.env.TEST_DB === 'postgres'

export async function createTestApp(options: TestAppOptions = {}) {
  const connections: TestConnection[] = options.connections ?? [
    { ...APP_A, openPlatform: 'dev-account' },
    { ...APP_B, openPlatform: 'dev-account' },
    APP_SOLO,
  ]
  const sim =
    options.simulator ??
    (await startSimulator({
      apps: connections.map((c) => ({
        appId: c.appId,
        secret: c.appSecret,
        openPlatform: c.openPlatform,
        pages: c.pages,
      })),
    }))
  const pg = usePostgres() ? await freshPostgresDatabase() : undefined
  const logs: string[] = []
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk))
        done()
      },
    }),
  )
  const env: Record<string, string> = {
    PORT: '0',
    PUBLIC_URL: 'https://auth.example.test',
    WECHAT_API_BASE_URL: sim.url,
    // The simulator answers on the test's own event loop, behind PGlite's queries: under a burst of logins on
    // a loaded machine a 1 s timeout measured the test's load, not WeChat. Timeout tests set their own.
    WECHAT_TIMEOUT_MS: '5000',
    MASTER_KEY,
    WECHAT_CONNECTIONS: JSON.stringify(
      connections.map(({ openPlatform: _o, pages: _p, ...c }) => ({ loginOnly: false, ...c })),
    ),
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    // Every test request comes from 127.0.0.1: limits high enough for the suites (rate-limit tests lower them).
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_CONNECTION_PER_MINUTE: '1000000',
    RATE_LIMIT_REFRESH_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_GRAPHQL_IP_PER_MINUTE: '1000000',
    ...options.env,
  }
  const config = loadConfig(env)
  const clock = new Clock(options.startAt)
  const database = await openDatabase(
    pg ? { url: pg.url, maxConnections: 20 } : { loadDataDir: await migratedPglite() },
  )
  const service: Service = await bootstrap(config, { logger, now: clock.now, database })
  const pages = await options.pages?.(sim, config)
  const server = await startServer(service, 0, '127.0.0.1', pages ? { pages } : {})

  async function request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    let json: any // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    return { status: res.status, headers: res.headers, text, json }
  }

  async function simControl(path: string, body: unknown) {
    const res = await fetch(`${sim.url}/__sim${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${await res.text()}`)
    return res.json() as Promise<any> // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  const byId = (id: string) => connections.find((c) => c.id === id)!

  return {
    url: server.url,
    sim,
    clock,
    config,
    deps: service.deps,
    db: service.deps.db,
    /** The opened database (its own LISTEN subscriptions: the session cache's tests). */
    database,
    logs,
    request,
    simControl,
    /** A wx.login code for a named test user of a connection's Mini Program. */
    async mintCode(user: string, connection = connections[0]!.id): Promise<string> {
      return (await simControl('/login-codes', { appId: byId(connection).appId, user })).code
    },
    async login(user: string, connection = connections[0]!.id) {
      const code = await this.mintCode(user, connection)
      return request('POST', `/v1/connections/${connection}/login`, { code })
    },
    /** A phone login: a fresh wx.login code and a simulator phone code for `phoneNumber` (national). */
    async phoneLogin(user: string, phoneNumber: string, connection = connections[0]!.id) {
      const code = await this.mintCode(user, connection)
      const { appId } = byId(connection)
      const minted = await simControl('/phone-codes', { appId, phoneNumber })
      return request('POST', `/v1/connections/${connection}/login-by-phone`, {
        code,
        phoneCode: minted.code,
      })
    },
    /** A call to the admin API with the app's ADMIN_API_KEY. */
    admin: (method: string, path: string, body?: unknown) =>
      request(method, path, body, { authorization: `Bearer ${env.ADMIN_API_KEY}` }),
    bearer: (token: string) => ({ authorization: `Bearer ${token}` }),
    async close() {
      await server.close(2000)
      if (!options.simulator) await sim.close()
      await pg?.drop()
      assertNoSecretsLogged(
        logs,
        configSecrets(
          env,
          connections.flatMap((c) => [c.appSecret, c.pushToken ?? '', c.encodingAesKey ?? '']),
        ),
      )
    },
  }
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>
