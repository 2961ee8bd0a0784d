// Two real service processes on one PostgreSQL database share one WeChat access token: fetched by one of them,
// and replaced once, by one of them, when WeChat invalidates it. PostgreSQL only (PGlite is one process).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startSimulator, type StartedSimulator } from '../../simulator/server'
import { spawnService, type ServiceProcess } from '../helpers/spawn-service'
import { APP_A, MASTER_KEY, freshPostgresDatabase, usePostgres } from '../helpers/test-app'

const logins = 200
const concurrency = 20

describe.runIf(usePostgres())('two instances sharing the WeChat access token', () => {
  let sim: StartedSimulator
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>>
  let instances: ServiceProcess[] = []

  // Each test its own WeChat, database and pair of instances: the first needs both to start with no token,
  // the second counts calls from a known start, and neither may inherit the other's token or call counts.
  beforeEach(async () => {
    sim = await startSimulator({ apps: [{ appId: APP_A.appId, secret: APP_A.appSecret }] })
    db = await freshPostgresDatabase()
    const env = {
      MASTER_KEY,
      DATABASE_URL: db.url,
      WECHAT_API_BASE_URL: sim.url,
      WECHAT_CONNECTIONS: JSON.stringify([APP_A]),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_IP_PER_MINUTE: '0', // every request here comes from 127.0.0.1
    }
    instances = await Promise.all([spawnService(env), spawnService(env)])
  }, 90_000)

  afterEach(async () => {
    const codes = await Promise.all(instances.map((p) => p.stop('SIGTERM')))
    expect(codes).toEqual(instances.map(() => 0))
    await sim.close()
    await db.drop()
  }, 60_000)

  const control = async (path: string, body: unknown) => {
    const res = await fetch(`${sim.url}/__sim${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return (await res.json()) as { code: string }
  }

  async function phoneLogin(n: number) {
    const { code } = await control('/login-codes', { appId: APP_A.appId, user: `two-${n}` })
    const phoneNumber = String(13200000000 + n)
    const phone = await control('/phone-codes', { appId: APP_A.appId, phoneNumber })
    const res = await fetch(`${instances[n % 2]!.url}/v1/connections/shop/login-by-phone`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, phoneCode: phone.code }),
    })
    return {
      status: res.status,
      body: (await res.json()) as { user: { id: string; phone: string } },
    }
  }

  const calls = async () => {
    const { calls } = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as {
      calls: Record<string, number>
    }
    return {
      stable: calls['/cgi-bin/stable_token']!,
      phone: calls['/wxa/business/getuserphonenumber']!,
    }
  }

  it('serves 200 phone logins split between them with at most one stable_token call', async () => {
    const answers: Awaited<ReturnType<typeof phoneLogin>>[] = []
    // Each wave hits both instances at once, the first one included: both start with no token.
    for (let start = 0; start < logins; start += concurrency) {
      const wave = Array.from({ length: concurrency }, (_, i) => phoneLogin(start + i))
      answers.push(...(await Promise.all(wave)))
    }
    expect(answers.map((a) => a.status)).toEqual(Array(logins).fill(200))
    expect(new Set(answers.map((a) => a.body.user.id)).size).toBe(logins)
    expect(answers[7]!.body.user.phone).toBe('+8613200000007')
    expect(await calls()).toEqual({ stable: 1, phone: logins })
  }, 120_000)

  it('replaces an invalidated token once: one forced refresh and one retry, then both instances use it', async () => {
    // Both instances hold the token first: one fetches it, the other finds it in the database.
    for (const n of [0, 1]) expect((await phoneLogin(n)).status).toBe(200)
    expect(await calls()).toEqual({ stable: 1, phone: 2 })

    await control('/access-tokens/invalidate', { appId: APP_A.appId })
    const before = await calls()
    const first = await phoneLogin(2) // on the first instance
    expect(first.status).toBe(200)
    expect(await calls()).toEqual({ stable: before.stable + 1, phone: before.phone + 2 })
    // The other instance still holds the old token: rejected once, it finds the new one in the database.
    const second = await phoneLogin(3)
    expect(second.status).toBe(200)
    expect(await calls()).toEqual({ stable: before.stable + 1, phone: before.phone + 4 })
  }, 60_000)
})
