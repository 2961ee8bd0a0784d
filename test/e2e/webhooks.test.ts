// Webhooks across real processes: a service killed (SIGKILL) after a change committed but before its delivery
// was recorded still delivers it, with the same webhook-id, after a restart; and two instances on one
// PostgreSQL database deliver each of many events exactly once.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type StartedSimulator } from '../../simulator/server'
import { assertNoSecretsLogged, configSecrets } from '../helpers/secrets'
import { spawnService } from '../helpers/spawn-service'
import { APP_A, MASTER_KEY, freshPostgresDatabase, usePostgres } from '../helpers/test-app'
import {
  startWebhookReceiver,
  webhooksEnv,
  type WebhookReceiver,
} from '../helpers/webhook-receiver'

const ADMIN_KEY = 'e2e-webhooks-admin-key-0123456789'
let sim: StartedSimulator
let receiver: WebhookReceiver
beforeAll(async () => {
  sim = await startSimulator({ apps: [{ appId: APP_A.appId, secret: APP_A.appSecret }] })
  receiver = await startWebhookReceiver()
})
afterAll(async () => {
  await receiver.close()
  await sim.close()
})

const env = (database: Record<string, string>) => ({
  MASTER_KEY,
  ADMIN_API_KEY: ADMIN_KEY,
  WECHAT_API_BASE_URL: sim.url,
  WECHAT_CONNECTIONS: JSON.stringify([APP_A]),
  WEBHOOKS: webhooksEnv({ receiver }),
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_POLL_MS: '200',
  RATE_LIMIT_IP_PER_MINUTE: '0',
  ...database,
})

async function login(url: string, user: string): Promise<string> {
  const minted = await fetch(`${sim.url}/__sim/login-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appId: APP_A.appId, user }),
  }).then((r) => r.json() as Promise<{ code: string }>)
  const res = await fetch(`${url}/v1/connections/shop/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: minted.code }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { user: { id: string } }).user.id
}

const createdFor = (userId: string) => (r: WebhookReceiver['received'][number]) =>
  r.body.type === 'user.created' && r.body.data.user.id === userId

describe('a service killed before the delivery', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wls-webhooks-'))
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  it('delivers the event after a restart, with the same webhook-id', async () => {
    const pg = usePostgres() ? await freshPostgresDatabase() : undefined
    const config = env(pg ? { DATABASE_URL: pg.url } : { DATA_DIR: dataDir })
    // PGlite's first start on disk initializes and migrates a database: slow on a busy machine.
    const first = await spawnService(config, { readyTimeoutMs: 60_000 })
    let second: Awaited<ReturnType<typeof spawnService>> | undefined
    try {
      // The backend hangs: the first attempt is under way, unrecorded, when the process dies.
      receiver.setMode('hang')
      const userId = await login(first.url, 'killed-before-delivery')
      await receiver.until((r) => r.some(createdFor(userId)))
      first.child.kill('SIGKILL')
      await first.exited
      receiver.setMode('ok')
      second = await spawnService(config, { readyTimeoutMs: 60_000 })
      const got = await receiver.until(
        (r) => r.filter(createdFor(userId)).some((x) => x.answered === 'ok'),
        30_000,
      )
      const attempts = got.filter(createdFor(userId))
      expect(new Set(attempts.map((a) => a.id)).size).toBe(1)
      expect(attempts.map((a) => a.answered)).toEqual(['hang', 'ok'])
      const listed = await fetch(`${second.url}/v1/admin/webhook-deliveries`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      }).then((r) => r.json() as Promise<{ deliveries: { id: string; status: string }[] }>)
      await expect
        .poll(async () => {
          const res = await fetch(`${second!.url}/v1/admin/webhook-deliveries?status=delivered`, {
            headers: { authorization: `Bearer ${ADMIN_KEY}` },
          })
          return ((await res.json()) as { deliveries: { id: string }[] }).deliveries.map(
            (d) => d.id,
          )
        })
        .toContain(attempts[0]!.id)
      expect(listed.deliveries.map((d) => d.id)).toContain(attempts[0]!.id)
    } finally {
      receiver.setMode('ok')
      await first.stop('SIGKILL')
      expect(await second?.stop()).toBe(0)
      await pg?.drop()
      assertNoSecretsLogged(
        [...first.lines, ...(second?.lines ?? [])],
        configSecrets(config, [APP_A.appSecret]),
      )
    }
  }, 180_000)
})

describe.runIf(usePostgres())('two instances on one PostgreSQL database', () => {
  it('deliver each of 200 events exactly once', async () => {
    const pg = await freshPostgresDatabase()
    const config = env({ DATABASE_URL: pg.url, LOG_LEVEL: 'warn' })
    const instances = await Promise.all([spawnService(config), spawnService(config)])
    try {
      const ids: string[] = []
      for (let batch = 0; batch < 10; batch++)
        ids.push(
          ...(await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              login(instances[i % 2]!.url, `two-hooks-${batch}-${i}`),
            ),
          )),
        )
      const wanted = new Set(ids)
      const mine = () => receiver.received.filter((r) => wanted.has(r.body.data.user.id as string))
      await receiver.until(() => mine().length >= ids.length, 30_000)
      // Time for a second delivery of any of them to show up, had one been claimed twice.
      await new Promise((r) => setTimeout(r, 1500))
      const got = mine()
      expect(got).toHaveLength(200)
      expect(new Set(got.map((r) => r.id)).size).toBe(200)
      expect(new Set(got.map((r) => r.body.data.user.id)).size).toBe(200)
      expect(receiver.rejected).toEqual([])
    } finally {
      const codes = await Promise.all(instances.map((p) => p.stop()))
      expect(codes).toEqual([0, 0])
      await pg.drop()
    }
  }, 120_000)
})
