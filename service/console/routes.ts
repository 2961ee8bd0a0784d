// The admin console at /admin (mounted only when ADMIN_API_KEY is set): server-rendered pages over the
// same domain functions as the admin API, every change audited with actor 'console'. No script runs in
// these pages: forms and links do everything, so the CSP can forbid script altogether.
import { Hono } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import { listAuditEvents } from '../admin/audit-events'
import { connectionHealth } from '../admin/connection-health'
import { revokeUserSessions } from '../admin/revoke-sessions'
import { searchUsers } from '../admin/search-users'
import { listSigningKeys, rotateSigningKey } from '../admin/signing-keys'
import { listWebhookDeliveries, retryWebhookDelivery } from '../admin/webhook-deliveries'
import { readUser } from '../admin/user-detail'
import { setUserStatus } from '../admin/user-status'
import { deleteUser } from '../accounts/delete'
import { recordAudit } from '../audit'
import { safeEqual } from '../crypto/random'
import type { Deps } from '../deps'
import { clientIp } from '../http/context'
import { resolveError } from '../http/errors'
import { rateLimit } from '../http/rate-limit'
import { checkInput } from '../http/body'
import { auditQuery, deliveriesQuery, statusBody, usersQuery } from '../routes/admin'
import { consoleHeaders, sameOrigin, signedIn, type ConsoleEnv } from './guard'
import { fill, pickLang, strings } from './i18n'
import { auditPage } from './pages/audit'
import { connectionsPage, keysPage } from './pages/settings'
import { webhooksPage } from './pages/webhooks'
import { errorPage, signInPage } from './pages/sign-in'
import { deletePage, userPage } from './pages/user'
import { searchFields, usersPage, type SearchField } from './pages/users'
import { consoleSessions, SESSION_COOKIE, SESSION_SECONDS } from './session'
import { consoleCss } from './styles'

const icon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#13294b"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>`

/** Sign-in attempts per minute per address: enough for a person, far too few to guess a key. */
export const SIGN_IN_PER_MINUTE = 10

const PAGE_SIZE = 20

/** Only console paths: a `back` parameter must not become an open redirect. */
const consolePath = (p: string | undefined) =>
  p && /^\/admin(?:[/?]|$)/.test(p) && !p.includes('\\') ? p : '/admin/users'

export function consoleRoutes(deps: Deps, key: string) {
  const sessions = consoleSessions(key)
  const appIds = deps.config.connections.map((c) => c.appId)
  const auth = signedIn(sessions, deps.now)
  const signInLimit = rateLimit(
    deps.config,
    { ipPerMinute: SIGN_IN_PER_MINUTE, what: 'console sign-in' },
    deps.now,
  )
  const actor = { actor: 'console' as const }
  const app = new Hono<ConsoleEnv>()
  app.use('/admin', consoleHeaders)
  app.use('/admin/*', consoleHeaders)
  app.onError((err, c) => {
    const error = resolveError(c, err)
    const lang = pickLang(undefined, c.req.header('accept-language'))
    const view = c.get('view') ?? { t: strings[lang], lang, here: '/admin/users' }
    return c.html(errorPage(view, error.code, error.message), error.status)
  })

  app.get('/admin/assets/console.css', (c) =>
    c.body(consoleCss, 200, { 'content-type': 'text/css; charset=utf-8' }),
  )
  app.get('/admin/assets/icon.svg', (c) => c.body(icon, 200, { 'content-type': 'image/svg+xml' }))
  app.get('/admin/lang', (c) => {
    const to = c.req.query('to') === 'zh' ? 'zh' : 'en'
    setCookie(c, 'console_lang', to, {
      path: '/admin',
      sameSite: 'Strict',
      secure: true,
      maxAge: 31536000,
    })
    return c.redirect(consolePath(c.req.query('back')), 303)
  })
  app.get('/admin/sign-in', (c) => c.html(signInPage(c.get('view'))))
  app.post('/admin/sign-in', signInLimit, async (c) => {
    sameOrigin(c)
    const body = await c.req.parseBody()
    // Every attempt counts against the address's sign-in bucket (a refusal most of all).
    ;(c.get('chargeRateLimit') as (() => void) | undefined)?.()
    const given = typeof body.key === 'string' ? body.key : ''
    const ip = clientIp(c)
    if (!safeEqual(given, key)) {
      await recordAudit(deps.db, { type: 'console.sign_in_refused', ip }, deps.now())
      return c.html(signInPage(c.get('view'), true), 401)
    }
    setCookie(c, SESSION_COOKIE, sessions.issue(deps.now()), {
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: SESSION_SECONDS,
    })
    await recordAudit(deps.db, { type: 'console.signed_in', ip, detail: actor }, deps.now())
    return c.redirect('/admin/users', 303)
  })

  app.use('/admin', auth)
  app.use('/admin/*', auth)
  app.get('/admin', (c) => c.redirect('/admin/users', 303))
  app.post('/admin/sign-out', async (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true })
    await recordAudit(
      deps.db,
      { type: 'console.signed_out', ip: clientIp(c), detail: actor },
      deps.now(),
    )
    return c.redirect('/admin/sign-in', 303)
  })

  app.get('/admin/users', async (c) => {
    const by = (searchFields as readonly string[]).includes(c.req.query('by') ?? '')
      ? (c.req.query('by') as SearchField)
      : 'nickname'
    const q = (c.req.query('q') ?? '').trim()
    const cursor = c.req.query('cursor') || undefined
    const query = checkInput(usersQuery, { ...(q ? { [by]: q } : {}), cursor, limit: PAGE_SIZE })
    const found = await searchUsers(deps.db, appIds, query)
    const notice = c.req.query('done') === 'deleted' ? c.get('view').t.doneDeleted : undefined
    return c.html(usersPage(c.get('view'), { by, q, ...found }, notice))
  })
  app.get('/admin/users/:id', async (c) => {
    const user = await readUser(deps.db, c.req.param('id'), deps.now())
    const { events } = await listAuditEvents(deps.db, { userId: user.id, limit: PAGE_SIZE })
    const t = c.get('view').t
    const done = c.req.query('done')
    const notice =
      done === 'blocked'
        ? t.doneBlocked
        : done === 'unblocked'
          ? t.doneUnblocked
          : done === 'revoked'
            ? fill(t.doneRevoked, { n: Number(c.req.query('n')) || 0 })
            : undefined
    return c.html(userPage(c.get('view'), user, events, notice))
  })
  app.get('/admin/users/:id/delete', async (c) =>
    c.html(deletePage(c.get('view'), await readUser(deps.db, c.req.param('id'), deps.now()))),
  )
  const userUrl = (id: string, query: Record<string, string>) =>
    `/admin/users/${encodeURIComponent(id)}?${new URLSearchParams(query)}`
  app.post('/admin/users/:id/status', async (c) => {
    const { _csrf: _, ...fields } = await c.req.parseBody()
    const { status } = checkInput(statusBody, fields)
    const id = c.req.param('id')
    await setUserStatus(deps, id, status, { ip: clientIp(c), ...actor })
    return c.redirect(userUrl(id, { done: status === 'blocked' ? 'blocked' : 'unblocked' }), 303)
  })
  app.post('/admin/users/:id/sessions/revoke', async (c) => {
    const id = c.req.param('id')
    const { sessionsRevoked } = await revokeUserSessions(deps, id, { ip: clientIp(c), ...actor })
    return c.redirect(userUrl(id, { done: 'revoked', n: String(sessionsRevoked) }), 303)
  })
  app.post('/admin/users/:id/delete', async (c) => {
    await deleteUser(deps, c.req.param('id'), { by: 'console' })
    return c.redirect('/admin/users?done=deleted', 303)
  })

  app.get('/admin/audit', async (c) => {
    const filter = {
      userId: c.req.query('userId')?.trim() || undefined,
      type: c.req.query('type')?.trim() || undefined,
    }
    const cursor = c.req.query('cursor') || undefined
    const query = checkInput(auditQuery, { ...filter, cursor, limit: PAGE_SIZE })
    const { events, nextCursor } = await listAuditEvents(deps.db, query)
    return c.html(auditPage(c.get('view'), filter, events, nextCursor))
  })
  app.get('/admin/keys', async (c) => {
    const t = c.get('view').t
    const kid = c.req.query('kid')
    const notice =
      c.req.query('done') === 'rotated' && kid ? fill(t.doneRotated, { kid }) : undefined
    return c.html(keysPage(c.get('view'), await listSigningKeys(deps), notice))
  })
  app.post('/admin/keys/rotate', async (c) => {
    const kid = await rotateSigningKey(deps, { ip: clientIp(c), ...actor })
    return c.redirect(`/admin/keys?${new URLSearchParams({ done: 'rotated', kid })}`, 303)
  })
  app.get('/admin/connections', async (c) =>
    c.html(connectionsPage(c.get('view'), await connectionHealth(deps))),
  )
  app.get('/admin/webhooks', async (c) => {
    const status = c.req.query('status') || undefined
    const cursor = c.req.query('cursor') || undefined
    const query = checkInput(deliveriesQuery, { status, cursor, limit: PAGE_SIZE })
    const id = c.req.query('id')
    const t = c.get('view').t
    const notice = c.req.query('done') === 'retried' && id ? fill(t.doneRetried, { id }) : undefined
    const found = await listWebhookDeliveries(deps.db, query)
    return c.html(webhooksPage(c.get('view'), query.status, found, notice))
  })
  app.post('/admin/webhooks/:id/retry', async (c) => {
    const { id } = await retryWebhookDelivery(deps, c.req.param('id'), {
      ip: clientIp(c),
      ...actor,
    })
    return c.redirect(`/admin/webhooks?${new URLSearchParams({ done: 'retried', id: id! })}`, 303)
  })
  return app
}
