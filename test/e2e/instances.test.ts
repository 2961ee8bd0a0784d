// Real processes: two instances starting together on one empty PostgreSQL database, and a graceful SIGTERM.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readMigrationTags } from '../../service/db/migrate'
import { startSimulator, type StartedSimulator } from '../../simulator/server'
import { APP_A, MASTER_KEY, freshPostgresDatabase, usePostgres } from '../helpers/test-app'
import { spawnService } from '../helpers/spawn-service'
import { assertNoSecretsLogged, configSecrets } from '../helpers/secrets'

let sim: StartedSimulator
beforeAll(async () => {
  sim = await startSimulator({ apps: [{ appId: APP_A.appId, secret: APP_A.appSecret }] })
})
afterAll(() => sim.close())

const baseEnv = () => ({
  MASTER_KEY,
  WECHAT_API_BASE_URL: sim.url,
  WECHAT_APP_ID: APP_A.appId,
  WECHAT_APP_SECRET: APP_A.appSecret,
  WECHAT_CONNECTION: 'shop',
})

async function login(url: string, user: string) {
  const minted = await fetch(`${sim.url}/__sim/login-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appId: APP_A.appId, user }),
  }).then((r) => r.json() as Promise<{ code: string }>)
  return fetch(`${url}/v1/connections/shop/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: minted.code }),
  })
}

describe.runIf(usePostgres())('two instances on one empty PostgreSQL database', () => {
  it('both become ready, the migrations run once, and both sign with the same key', async () => {
    const db = await freshPostgresDatabase()
    const env = { ...baseEnv(), DATABASE_URL: db.url }
    const [a, b] = await Promise.all([spawnService(env), spawnService(env)])
    try {
      const appliedBy = [a, b].map(
        (p) => p.lines.filter((l) => l.includes('"applied migrations"')).length,
      )
      expect(appliedBy.sort()).toEqual([0, 1])
      const sql = postgres(db.url, { max: 1 })
      const rows = await sql`SELECT tag FROM schema_migrations`
      const keys = await sql`SELECT kid FROM signing_keys`
      await sql.end()
      expect(rows.map((r) => r.tag)).toEqual(await readMigrationTags())
      expect(keys).toHaveLength(1)
      const [ja, jb] = await Promise.all(
        [a, b].map((p) => fetch(`${p.url}/.well-known/jwks.json`).then((r) => r.json())),
      )
      expect(ja).toEqual(jb)
      expect((await login(a.url, 'zoe')).status).toBe(200)
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await db.drop()
      assertNoSecretsLogged([...a.lines, ...b.lines], configSecrets(env, [APP_A.appSecret]))
    }
  })
})

describe('SIGTERM', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wls-sigterm-'))
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  it('lets 20 in-flight logins finish, then exits 0', async () => {
    const pg = usePostgres() ? await freshPostgresDatabase() : undefined
    const service = await spawnService({
      ...baseEnv(),
      ...(pg ? { DATABASE_URL: pg.url } : { DATA_DIR: dataDir }),
      // WeChat is held up 4 s below: well within the service's deadline for it.
      WECHAT_TIMEOUT_MS: '10000',
    })
    try {
      await fetch(`${sim.url}/__sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: '/sns/jscode2session', delayMs: 4000, times: 20 }),
      })
      const calls = async () => {
        const res = await fetch(`${sim.url}/__sim/stats`)
        const body = (await res.json()) as { calls: Record<string, number> }
        return body.calls['/sns/jscode2session'] ?? 0
      }
      const before = await calls()
      // Twenty logins held in flight by a slow WeChat when the signal arrives: it is sent once WeChat has
      // seen all twenty, however slow the machine is.
      const inFlight = Promise.all(
        Array.from({ length: 20 }, (_, i) => login(service.url, `p${i}`)),
      )
      while ((await calls()) < before + 20) await new Promise((r) => setTimeout(r, 20))
      service.child.kill('SIGTERM')
      const answers = await inFlight
      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200))
      expect(await service.exited).toBe(0)
      await expect(fetch(`${service.url}/healthz`)).rejects.toThrow()
    } finally {
      await service.stop('SIGKILL')
      await pg?.drop()
    }
  }, 90_000)
})
