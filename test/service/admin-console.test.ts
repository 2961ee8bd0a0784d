// The admin console over plain HTTP: the key is checked once and becomes an HttpOnly, Secure, SameSite=Strict
// cookie holding no key; every state-changing form needs the session's CSRF token and our origin; the pages
// carry a CSP that allows no script and no framing; what it changes is audited with actor 'console'.
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { SIGN_IN_PER_MINUTE } from '../../service/console/routes'
import { SESSION_SECONDS } from '../../service/console/session'
import { auditEvents, users, webhookDeliveries } from '../../service/db/schema'
import { appWithReceiver } from '../helpers/webhook-receiver'

const ADMIN_KEY = 'admin-key-for-console-tests-0123456789'
const suite = appWithReceiver({ ADMIN_API_KEY: ADMIN_KEY })

/** A browser-like request that does not follow redirects. */
function send(
  path: string,
  init: { cookie?: string; form?: Record<string, string>; origin?: string } = {},
) {
  return fetch(suite.t.url + path, {
    method: init.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: {
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.origin ? { origin: init.origin } : {}),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
  })
}

async function signIn() {
  // As a person would: sign-ins are limited per address, and every request here comes from 127.0.0.1.
  suite.t.clock.advance(60 / SIGN_IN_PER_MINUTE + 1)
  const res = await send('/admin/sign-in', { form: { key: ADMIN_KEY }, origin: suite.t.url })
  expect(res.status).toBe(303)
  const set = res.headers.get('set-cookie')!
  return { set, cookie: set.split(';')[0]! }
}

/** The CSRF token as the page's forms carry it. */
async function csrfOf(cookie: string, path = '/admin/users') {
  const html = await (await send(path, { cookie })).text()
  return html.match(/name="_csrf" value="([^"]+)"/)![1]!
}

async function newUser(name: string) {
  const res = await suite.t.login(name)
  return res.json.user.id as string
}

const statusOf = async (id: string) =>
  (await suite.t.db.select({ s: users.status }).from(users).where(eq(users.id, id)))[0]!.s

describe('signing in to the admin console', () => {
  it('refuses a wrong key with 401, sets no cookie and audits the refusal', async () => {
    // A token back in the sign-in bucket, whatever an earlier test (the limit's) left in it.
    suite.t.clock.advance(60 / SIGN_IN_PER_MINUTE + 1)
    const res = await send('/admin/sign-in', {
      form: { key: `${ADMIN_KEY}x` },
      origin: suite.t.url,
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(await res.text()).toContain('data-code="admin_unauthorized"')
    const refused = await suite.t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'console.sign_in_refused'))
    expect(refused.length).toBeGreaterThan(0)
  })

  it('turns the right key into an HttpOnly, Secure, SameSite=Strict __Host- cookie that holds no key', async () => {
    const { set, cookie } = await signIn()
    expect(cookie).toMatch(/^__Host-console=/)
    expect(set).toMatch(/; HttpOnly/i)
    expect(set).toMatch(/; Secure/i)
    expect(set).toMatch(/; SameSite=Strict/i)
    expect(set).toMatch(/; Path=\//i)
    expect(set).toContain(`Max-Age=${SESSION_SECONDS}`)
    expect(set).not.toContain(ADMIN_KEY)
    const page = await send('/admin/users', { cookie })
    expect(page.status).toBe(200)
    expect(await page.text()).not.toContain(ADMIN_KEY)
  })

  it('sends a GET without a session to the sign-in page, and refuses a forged or expired cookie', async () => {
    expect((await send('/admin/users')).headers.get('location')).toBe('/admin/sign-in')
    const { cookie } = await signIn()
    const forged = cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'))
    expect((await send('/admin/users', { cookie: forged })).status).toBe(303)
    suite.t.clock.advance(SESSION_SECONDS + 1)
    try {
      expect((await send('/admin/users', { cookie })).headers.get('location')).toBe(
        '/admin/sign-in',
      )
    } finally {
      suite.t.clock.advance(-(SESSION_SECONDS + 1))
    }
  })
})

describe('guessing the key', () => {
  it('is limited per address: past the bucket even the right key gets 429, until time passes', async () => {
    suite.t.clock.advance(61) // a full bucket
    const statuses: number[] = []
    for (let i = 0; i <= SIGN_IN_PER_MINUTE; i++) {
      const res = await send('/admin/sign-in', { form: { key: `guess-${i}` }, origin: suite.t.url })
      statuses.push(res.status)
    }
    expect(statuses.slice(0, SIGN_IN_PER_MINUTE)).toEqual(Array(SIGN_IN_PER_MINUTE).fill(401))
    expect(statuses.at(-1)).toBe(429)
    const right = await send('/admin/sign-in', { form: { key: ADMIN_KEY }, origin: suite.t.url })
    expect(right.status).toBe(429)
    expect(right.headers.get('retry-after')).toBeTruthy()
    expect(right.headers.get('set-cookie')).toBeNull()
    expect((await signIn()).cookie).toMatch(/^__Host-console=/)
  })
})

describe('the console pages', () => {
  it('leave / alone: the playground is only mounted by npm start', async () => {
    const res = await suite.t.request('GET', '/')
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('not_found')
  })

  it('carry a CSP with no script and no inline style, and may not be framed', async () => {
    const { cookie } = await signIn()
    for (const path of [
      '/admin/sign-in',
      '/admin/users',
      '/admin/audit',
      '/admin/keys',
      '/admin/connections',
    ]) {
      const res = await send(path, { cookie })
      expect(res.status, path).toBe(200)
      const csp = res.headers.get('content-security-policy')!
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("style-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toMatch(/unsafe-inline|script-src/)
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('cache-control')).toContain('no-store')
      const html = await res.text()
      expect(html, path).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i)
    }
  })
})

describe('state-changing requests', () => {
  it('refuses a block without the CSRF token (403 csrf_invalid) and leaves the user active', async () => {
    const { cookie } = await signIn()
    const id = await newUser('console-csrf')
    const forms: Record<string, string>[] = [
      { status: 'blocked' },
      { status: 'blocked', _csrf: 'forged' },
    ]
    for (const form of forms) {
      const res = await send(`/admin/users/${id}/status`, { cookie, form, origin: suite.t.url })
      expect(res.status).toBe(403)
      expect(await res.text()).toContain('data-code="csrf_invalid"')
    }
    expect(await statusOf(id)).toBe('active')
  })

  it('refuses a token from another session, and a form posted from another site', async () => {
    const mine = await signIn()
    const other = await signIn()
    const id = await newUser('console-cross')
    const foreign = await csrfOf(other.cookie)
    const res = await send(`/admin/users/${id}/status`, {
      cookie: mine.cookie,
      form: { status: 'blocked', _csrf: foreign },
    })
    expect(res.status).toBe(403)
    const cross = await send(`/admin/users/${id}/status`, {
      cookie: mine.cookie,
      form: { status: 'blocked', _csrf: await csrfOf(mine.cookie) },
      origin: 'https://evil.example',
    })
    expect(cross.status).toBe(403)
    expect(await statusOf(id)).toBe('active')
  })

  it('refuses a form without a session with 401', async () => {
    const id = await newUser('console-nosession')
    const res = await send(`/admin/users/${id}/status`, { form: { status: 'blocked' } })
    expect(res.status).toBe(401)
    expect(await statusOf(id)).toBe('active')
  })

  it('blocks, revokes and deletes with the token, each audited with actor console', async () => {
    const { cookie } = await signIn()
    const csrf = await csrfOf(cookie)
    const id = await newUser('console-actions')
    const post = (path: string, form: Record<string, string> = {}) =>
      send(path, { cookie, form: { ...form, _csrf: csrf }, origin: suite.t.url })

    const blocked = await post(`/admin/users/${id}/status`, { status: 'blocked' })
    expect(blocked.status).toBe(303)
    expect(await statusOf(id)).toBe('blocked')
    expect((await suite.t.login('console-actions')).json.error.code).toBe('user_blocked')
    expect((await post(`/admin/users/${id}/status`, { status: 'active' })).status).toBe(303)
    expect((await suite.t.login('console-actions')).status).toBe(200)
    const revoked = await post(`/admin/users/${id}/sessions/revoke`)
    expect(revoked.headers.get('location')).toContain('n=1')
    expect((await post(`/admin/users/${id}/delete`)).headers.get('location')).toBe(
      '/admin/users?done=deleted',
    )
    expect(await suite.t.db.select().from(users).where(eq(users.id, id))).toEqual([])

    const trail = await suite.t.db
      .select({ type: auditEvents.type, detail: auditEvents.detail })
      .from(auditEvents)
      .where(and(eq(auditEvents.userId, id)))
    const byType = Object.fromEntries(trail.map((e) => [e.type, e.detail]))
    expect(byType['user.blocked']).toMatchObject({ actor: 'console' })
    expect(byType['user.unblocked']).toMatchObject({ actor: 'console' })
    expect(byType['session.revoked']).toEqual({ actor: 'console', sessionsRevoked: 1 })
    expect(byType['user.deleted']).toEqual({ by: 'console' })
  })

  it('rotates the signing key from the console', async () => {
    const { cookie } = await signIn()
    const csrf = await csrfOf(cookie, '/admin/keys')
    const res = await send('/admin/keys/rotate', {
      cookie,
      form: { _csrf: csrf },
      origin: suite.t.url,
    })
    const kid = new URL(res.headers.get('location')!, suite.t.url).searchParams.get('kid')!
    expect(
      (await suite.t.request('GET', '/.well-known/jwks.json')).json.keys.map(
        (k: { kid: string }) => k.kid,
      ),
    ).toContain(kid)
    expect(await (await send('/admin/keys', { cookie })).text()).toContain(kid)
  })

  it('keeps the language switch from redirecting off the console', async () => {
    const res = await send('/admin/lang?to=zh&back=//evil.example/x')
    expect(res.headers.get('location')).toBe('/admin/users')
    expect(res.headers.get('set-cookie')).toContain('console_lang=zh')
  })

  it('retries a failed webhook delivery from the console, audited with actor console', async () => {
    suite.receiver.setMode('fail')
    const id = await newUser('console-webhook')
    const ofUser = eq(webhookDeliveries.userId, id)
    await suite.receiver.until((r) => r.some((x) => x.body.data.user.id === id))
    await expect
      .poll(
        async () => (await suite.t.db.select().from(webhookDeliveries).where(ofUser))[0]?.attempts,
      )
      .toBe(1)
    // As if every retry had failed (the retry schedule itself is the webhook suite's subject).
    await suite.t.db
      .update(webhookDeliveries)
      .set({ status: 'failed', attempts: 8, nextAttemptAt: null })
      .where(ofUser)
    suite.receiver.setMode('ok')
    const { cookie } = await signIn()
    const listed = await (await send('/admin/webhooks?status=failed', { cookie })).text()
    const [row] = await suite.t.db.select().from(webhookDeliveries).where(ofUser)
    expect(listed).toContain(`/admin/webhooks/${row!.id}/retry`)
    const res = await send(`/admin/webhooks/${row!.id}/retry`, {
      cookie,
      form: { _csrf: await csrfOf(cookie) },
      origin: suite.t.url,
    })
    expect(res.status).toBe(303)
    await suite.receiver.until((r) => r.some((x) => x.id === row!.id && x.answered === 'ok'))
    const [audit] = await suite.t.db
      .select({ detail: auditEvents.detail })
      .from(auditEvents)
      .where(and(eq(auditEvents.type, 'webhook_delivery.retried'), eq(auditEvents.userId, id)))
    expect(audit!.detail).toEqual({ id: row!.id, actor: 'console' })
  })
})
