// The admin console's session: after the admin key is checked once, a cookie that holds no key, only an
// expiry and a random nonce signed with a key derived from ADMIN_API_KEY (so every instance accepts it and
// changing the key signs everyone out), and a CSRF token derived from the same nonce (synchronizer token,
// stateless). The admin key itself never leaves the sign-in request.
import { createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { safeEqual } from '../crypto/random'

/** `__Host-`: the browser refuses it unless Secure, Path=/ and no Domain, so no subdomain can plant one. */
export const SESSION_COOKIE = '__Host-console'

/** A working day; signing out ends it sooner. */
export const SESSION_SECONDS = 8 * 60 * 60

export interface ConsoleSession {
  nonce: string
  expiresAt: number
}

export function consoleSessions(adminKey: string) {
  const secret = Buffer.from(
    hkdfSync('sha256', adminKey, 'wechat-login-stack', 'admin console session v1', 32),
  )
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest('base64url')

  return {
    /** A new session's cookie value, valid until `now + SESSION_SECONDS`. */
    issue(now: Date): string {
      const body = `${Math.floor(now.getTime() / 1000) + SESSION_SECONDS}.${randomBytes(16).toString('base64url')}`
      return `${body}.${mac(`session.${body}`)}`
    },
    /** The session a cookie value carries, if it is ours and unexpired. */
    read(value: string | undefined, now: Date): ConsoleSession | undefined {
      const m = value?.match(/^(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/)
      if (!m || !safeEqual(m[3]!, mac(`session.${m[1]}.${m[2]}`))) return undefined
      const expiresAt = Number(m[1])
      return expiresAt > now.getTime() / 1000 ? { nonce: m[2]!, expiresAt } : undefined
    },
    /** The CSRF token every state-changing form of this session carries. */
    csrfToken: (s: ConsoleSession) => mac(`csrf.${s.nonce}`),
    checkCsrf: (s: ConsoleSession, token: unknown) =>
      typeof token === 'string' && safeEqual(token, mac(`csrf.${s.nonce}`)),
  }
}

export type ConsoleSessions = ReturnType<typeof consoleSessions>
