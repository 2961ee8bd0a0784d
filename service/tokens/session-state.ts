// When a session is live, said once: not revoked, not past its end, and its user active. The bearer check,
// the refresh rotation, Authing's refreshToken and the admin's session list all ask this question.
import { sql, type Placeholder, type SQL } from 'drizzle-orm'

export type SessionState = 'live' | 'revoked' | 'expired' | 'blocked'

export interface SessionFacts {
  revokedAt: Date | null
  expiresAt: Date
  /** The session's user's status. */
  userStatus: string
}

/** Revoked before expired before blocked: the first of them is what the caller is told. */
export function sessionState(s: SessionFacts, now: Date): SessionState {
  if (s.revokedAt) return 'revoked'
  if (s.expiresAt <= now) return 'expired'
  if (s.userStatus !== 'active') return 'blocked'
  return 'live'
}

/** The same rule in SQL, for statements that join `sessions s` and `users u` (the one-statement rotation). */
export const liveSessionSql = (now: Placeholder | SQL) =>
  sql`s.expires_at > ${now} AND s.revoked_at IS NULL AND u.status = 'active'`
