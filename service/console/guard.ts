// The console's security headers and its session check: a strict CSP (no script at all, styles only from
// our own file), no framing, and on every POST a same-origin check plus the session's CSRF token.
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { AppError } from '../errors'
import type { AppEnv } from '../http/context'
import { pickLang, strings } from './i18n'
import type { View } from './layout'
import { SESSION_COOKIE, type ConsoleSession, type ConsoleSessions } from './session'

export const CONSOLE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

export type ConsoleEnv = AppEnv & {
  Variables: AppEnv['Variables'] & { view: View; consoleSession?: ConsoleSession }
}

/** Headers on every console answer, errors included, and the view (language, current page). */
export const consoleHeaders = createMiddleware<ConsoleEnv>(async (c, next) => {
  const lang = pickLang(getCookie(c, 'console_lang'), c.req.header('accept-language'))
  const url = new URL(c.req.url)
  const here = c.req.method === 'GET' ? url.pathname + url.search : '/admin/users'
  c.set('view', { t: strings[lang], lang, here })
  await next()
  c.header('Content-Security-Policy', CONSOLE_CSP)
  c.header('X-Frame-Options', 'DENY')
  c.header('X-Content-Type-Options', 'nosniff')
  // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with our own forms.
  c.header('Referrer-Policy', 'same-origin')
  c.header('Cross-Origin-Opener-Policy', 'same-origin')
  c.header('Cross-Origin-Resource-Policy', 'same-origin')
})

/**
 * A POST from another site is refused whatever it carries (browsers send Origin on every POST). Hosts are
 * compared, not schemes: behind the load balancer the service sees http while the browser says https.
 */
export function sameOrigin(c: Context) {
  const origin = c.req.header('origin')
  if (origin === undefined) return
  let host: string | undefined
  try {
    host = new URL(origin).host
  } catch {
    host = undefined // "null": a sandboxed frame or a privacy-sensitive redirect
  }
  if (!host || host !== c.req.header('host'))
    throw new AppError('csrf_invalid', 'The request came from another site.')
}

/**
 * Signed in, or sent to the sign-in page (a GET) or refused (anything else). State-changing requests must
 * also come from our origin and carry the session's CSRF token in the `_csrf` form field.
 */
export const signedIn = (sessions: ConsoleSessions, now: () => Date) =>
  createMiddleware<ConsoleEnv>(async (c, next) => {
    const session = sessions.read(getCookie(c, SESSION_COOKIE), now())
    if (!session) {
      if (c.req.method === 'GET') return c.redirect('/admin/sign-in', 303)
      throw new AppError('admin_unauthorized', 'Sign in to the console first.')
    }
    if (c.req.method !== 'GET') {
      sameOrigin(c)
      const body = await c.req.parseBody()
      if (!sessions.checkCsrf(session, body._csrf))
        throw new AppError('csrf_invalid', 'The form is missing its CSRF token; reload the page.')
    }
    c.set('consoleSession', session)
    c.set('view', { ...c.get('view'), csrf: sessions.csrfToken(session) })
    await next()
  })
