// PostgreSQL restarted during a login burst: 503 database_unavailable while it is down, success after,
// and no duplicate users, no half-made accounts.
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type StartedSimulator } from '../../simulator/server'
import { APP_SOLO, MASTER_KEY, usePostgres } from '../helpers/test-app'
import {
  postgresBinDir,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../helpers/private-postgres'
import { spawnService, type ServiceProcess } from '../helpers/spawn-service'

const json = { 'content-type': 'application/json' }

describe.runIf(usePostgres() && postgresBinDir())(
  'PostgreSQL restarted during a login burst',
  () => {
    let pg: PrivatePostgres
    let sim: StartedSimulator
    let service: ServiceProcess

    beforeAll(async () => {
      pg = await startPrivatePostgres()
      sim = await startSimulator({ apps: [{ appId: APP_SOLO.appId, secret: APP_SOLO.appSecret }] })
      service = await spawnService({
        MASTER_KEY,
        DATABASE_URL: pg.url,
        WECHAT_API_BASE_URL: sim.url,
        WECHAT_APP_ID: APP_SOLO.appId,
        WECHAT_APP_SECRET: APP_SOLO.appSecret,
        WECHAT_CONNECTION: 'solo',
      })
    }, 60_000)
    afterAll(async () => {
      await service?.stop('SIGKILL')
      await sim?.close()
      await pg?.destroy()
    })

    async function login(user: string) {
      const { code } = (await fetch(`${sim.url}/__sim/login-codes`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ appId: APP_SOLO.appId, user }),
      }).then((r) => r.json())) as { code: string }
      const res = await fetch(`${service.url}/v1/connections/solo/login`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ code }),
        signal: AbortSignal.timeout(20_000),
      })
      const body = (await res.json()) as { user?: { id: string }; error?: { code: string } }
      return { status: res.status, userId: body.user?.id, code: body.error?.code }
    }

    it('answers 503 during the outage, succeeds after, and leaves one user per person', async () => {
      const results: Awaited<ReturnType<typeof login>>[] = []
      let stop = false
      // Eight workers log 24 people in and out of the outage, over and over.
      const workers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !stop; i++) results.push(await login(`person-${(w * 3 + i) % 24}`))
      })
      await new Promise((r) => setTimeout(r, 1500))
      await pg.stop()
      await new Promise((r) => setTimeout(r, 2000))
      await pg.start()
      await new Promise((r) => setTimeout(r, 1500))
      stop = true
      await Promise.all(workers)

      const statuses = new Set(results.map((r) => r.status))
      expect([...statuses].every((s) => s === 200 || s === 503)).toBe(true)
      expect(results.some((r) => r.status === 503 && r.code === 'database_unavailable')).toBe(true)
      const after = await Promise.all(Array.from({ length: 24 }, (_, i) => login(`person-${i}`)))
      expect(after.map((r) => r.status)).toEqual(Array(24).fill(200))

      const sql = postgres(pg.url, { max: 1 })
      const [counts] = await sql`
      SELECT (SELECT count(*) FROM users)::int AS users,
             (SELECT count(*) FROM wechat_identities)::int AS identities,
             (SELECT count(*) FROM users u WHERE NOT EXISTS
                (SELECT 1 FROM wechat_identities i WHERE i.user_id = u.id))::int AS bare_users`
      await sql.end()
      expect(counts).toEqual({ users: 24, identities: 24, bare_users: 0 })
      // Each person kept one account through the outage.
      const ids = new Map<string, Set<string>>()
      for (const [i, r] of after.entries()) ids.set(`person-${i}`, new Set([r.userId!]))
      expect(new Set(after.map((r) => r.userId)).size).toBe(24)
    })
  },
)
