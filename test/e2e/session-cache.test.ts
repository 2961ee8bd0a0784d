// Two real service processes on one PostgreSQL database, each holding sessions in memory
// (tokens/session-cache.ts): a logout, a block or a deletion made on one is refused by the other within the
// bound docs/tokens.md states; a change the other instance never hears of is still refused once its
// listener's connection is closed (degraded to the database), or, when the listener goes silent, within
// the 3 s silence bound. PostgreSQL only (PGlite is one process).
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type StartedSimulator } from '../../simulator/server'
import { openidFor } from '../../simulator/wire'
import { spawnService, type ServiceProcess } from '../helpers/spawn-service'
import { APP_A, MASTER_KEY, freshPostgresDatabase, usePostgres } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-session-cache-0123456789'
/** What docs/tokens.md promises for a notification to reach the other instance (measured far below). */
const PROPAGATION_BOUND_MS = 1000
/** The listener's silence bound (session-cache.ts: staleAfterMs) and the slack of a loaded machine. */
const SILENCE_BOUND_MS = 3000
const SLACK_MS = 2000

describe.runIf(usePostgres())('two instances holding sessions in memory', () => {
  let sim: StartedSimulator
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>>
  let sql: postgres.Sql
  let a: ServiceProcess
  let b: ServiceProcess
  const measured: Record<string, number> = {}

  beforeAll(async () => {
    sim = await startSimulator({ apps: [{ appId: APP_A.appId, secret: APP_A.appSecret }] })
    db = await freshPostgresDatabase()
    const env = {
      MASTER_KEY,
      DATABASE_URL: db.url,
      WECHAT_API_BASE_URL: sim.url,
      WECHAT_CONNECTIONS: JSON.stringify([APP_A]),
      ADMIN_API_KEY: ADMIN_KEY,
      // One issuer for both (the default is each instance's own address).
      PUBLIC_URL: 'https://auth.example.test',
      LOG_LEVEL: 'warn',
    }
    ;[a, b] = await Promise.all([spawnService(env), spawnService(env)])
    sql = postgres(db.url, { max: 2, onnotice: () => {} })
  }, 90_000)

  afterAll(async () => {
    console.log('session cache, time for B to refuse what A changed (ms):', measured)
    await sql?.end()
    const codes = await Promise.all([a, b].map((p) => p?.stop('SIGTERM')))
    expect(codes).toEqual([0, 0])
    await sim.close()
    await db.drop()
  }, 60_000)

  async function login(user: string) {
    const { code } = (await (
      await fetch(`${sim.url}/__sim/login-codes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appId: APP_A.appId, user }),
      })
    ).json()) as { code: string }
    const res = await fetch(`${a.url}/v1/connections/shop/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    expect(res.status).toBe(200)
    return (await res.json()) as { user: { id: string }; accessToken: string }
  }

  const me = (instance: ServiceProcess, token: string) =>
    fetch(`${instance.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })

  /** Logs in on A and has B read (and so hold) the session and the profile. */
  async function heldByB(user: string) {
    const session = await login(user)
    for (let i = 0; i < 2; i++) {
      const res = await me(b, session.accessToken)
      expect(res.status, await res.text()).toBe(200)
    }
    return session
  }

  /** Polls B until it stops answering 200 for the token; the time it took and the status it gave. */
  async function refusedByB(token: string, deadlineMs: number) {
    const started = performance.now()
    for (;;) {
      const res = await me(b, token)
      const elapsed = performance.now() - started
      if (res.status !== 200) return { status: res.status, ms: Math.round(elapsed) }
      if (elapsed > deadlineMs) return { status: 200, ms: Math.round(elapsed) }
      await new Promise((r) => setTimeout(r, 2))
    }
  }

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${a.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  it('refuses on B a session logged out on A', async () => {
    const s = await heldByB('cache-logout')
    const res = await fetch(`${a.url}/v1/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.accessToken}` },
    })
    expect(res.status).toBe(204)
    const refused = await refusedByB(s.accessToken, PROPAGATION_BOUND_MS)
    measured.logout = refused.ms
    expect(refused.status).toBe(401)
  })

  it('refuses on B a user blocked on A, and a user deleted on A', async () => {
    const blocked = await heldByB('cache-block')
    expect(
      (await admin('PATCH', `/v1/admin/users/${blocked.user.id}`, { status: 'blocked' })).status,
    ).toBe(200)
    const afterBlock = await refusedByB(blocked.accessToken, PROPAGATION_BOUND_MS)
    measured.block = afterBlock.ms
    expect(afterBlock.status).toBe(403)

    const deleted = await heldByB('cache-delete')
    expect((await admin('DELETE', `/v1/admin/users/${deleted.user.id}`)).status).toBe(204)
    const afterDelete = await refusedByB(deleted.accessToken, PROPAGATION_BOUND_MS)
    measured.delete = afterDelete.ms
    expect(afterDelete.status).toBe(401)
  })

  it('shows on B a profile edited on A at once, and a change made by another tool straight in the database', async () => {
    const s = await heldByB('cache-profile')
    const patch = await fetch(`${a.url}/v1/me`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${s.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ nickname: 'Renamed on A' }),
    })
    expect(patch.status).toBe(200)
    const started = performance.now()
    let nickname: string | null = null
    while (nickname !== 'Renamed on A' && performance.now() - started < PROPAGATION_BOUND_MS)
      nickname = ((await (await me(b, s.accessToken)).json()) as { user: { nickname: string } })
        .user.nickname
    measured.profile = Math.round(performance.now() - started)
    expect(nickname).toBe('Renamed on A')

    await sql`UPDATE sessions SET revoked_at = now(), revoked_reason = 'admin' WHERE user_id = ${s.user.id}`
    const refused = await refusedByB(s.accessToken, PROPAGATION_BOUND_MS)
    measured.sqlRevoke = refused.ms
    expect(refused.status).toBe(401)
  })

  it('shows on B a profile a user import on A rewrote (one notification per import batch)', async () => {
    const s = await heldByB('cache-import')
    const line = {
      externalId: 'ext-cache-import',
      nickname: 'Imported on A',
      identities: [{ connection: 'shop', openid: openidFor(APP_A.appId, 'cache-import') }],
    }
    const res = await fetch(`${a.url}/v1/admin/users/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-ndjson' },
      body: JSON.stringify(line) + '\n',
    })
    expect(await res.json()).toMatchObject({ updated: 1, errorCount: 0 })
    const started = performance.now()
    let nickname: string | null = null
    while (nickname !== 'Imported on A' && performance.now() - started < PROPAGATION_BOUND_MS)
      nickname = ((await (await me(b, s.accessToken)).json()) as { user: { nickname: string } })
        .user.nickname
    measured.import = Math.round(performance.now() - started)
    expect(nickname).toBe('Imported on A')
  })

  /** B's listener backend (application_name carries the instance's process id). */
  const listenerOf = async (instance: ServiceProcess) => {
    const [row] = await sql<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE application_name = ${`wechat-login-stack listener ${instance.child.pid}`}`
    return row?.pid
  }

  /** Revokes without notifying anyone: a change an instance can only learn from the database. */
  const revokeUnannounced = (userId: string) =>
    sql.begin(async (tx) => {
      await tx`SET LOCAL session_replication_role = replica`
      await tx`UPDATE sessions SET revoked_at = now(), revoked_reason = 'admin' WHERE user_id = ${userId}`
    })

  it('answers from memory: a change nobody announces is not seen while the listener is up', async () => {
    // The control for the next test: without the listener's loss, B keeps answering what it holds.
    const s = await heldByB('cache-control')
    await revokeUnannounced(s.user.id)
    expect((await me(b, s.accessToken)).status).toBe(200)
  })

  it("reads the database once B's listener connection is closed, and holds sessions again once it is back", async () => {
    const s = await heldByB('cache-closed')
    const pid = await listenerOf(b)
    expect(pid).toBeTypeOf('number')
    const [killed] = await sql<{ terminated: boolean }[]>`
      SELECT pg_terminate_backend(${pid!}, 5000) AS terminated`
    expect(killed?.terminated).toBe(true)
    await revokeUnannounced(s.user.id)
    expect((await me(b, s.accessToken)).status).toBe(401)
    // Back: a new listener, and the next session is held from memory again (the control's behaviour).
    const started = performance.now()
    while ((await listenerOf(b)) === undefined && performance.now() - started < 10_000)
      await new Promise((r) => setTimeout(r, 50))
    expect(await listenerOf(b)).not.toBe(pid)
    await new Promise((r) => setTimeout(r, 1500)) // a ping through the new connection vouches for it
    const next = await heldByB('cache-closed-after')
    await revokeUnannounced(next.user.id)
    expect((await me(b, next.accessToken)).status).toBe(200)
  }, 30_000)

  it("stops answering from memory within the silence bound when B's listener goes silent", async () => {
    const s = await heldByB('cache-silent')
    const pid = (await listenerOf(b))!
    // A listener backend that stops without closing its connection: a network that drops packets.
    process.kill(pid, 'SIGSTOP')
    try {
      const started = performance.now()
      await revokeUnannounced(s.user.id)
      const refused = await refusedByB(s.accessToken, SILENCE_BOUND_MS + SLACK_MS)
      measured.silentListener = Math.round(performance.now() - started)
      expect(refused.status).toBe(401)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
  }, 30_000)
})
