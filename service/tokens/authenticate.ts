// Who is calling: a valid access token AND a live session of an active user (session-state.ts). Checking
// the session on every call is what makes logout, account deletion and blocking take effect at once; a live
// session this instance has read is answered from memory (session-cache.ts), which the database tells when
// that stops being true. The native bearer middleware and the Authing routes both ask here.
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { perDb } from '../db/per-db'
import { sessions, users } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { sessionState } from './session-state'

export interface Auth {
  userId: string
  sessionId: string
  connection: string
}

/** An authenticated call: who, and the token's own times (seconds since the epoch) as the verifier read them. */
export interface Authenticated extends Auth {
  token: string
  iat: number
  exp: number
}

const sessionStatement = perDb((db: Db) =>
  db
    .select({
      userId: sessions.userId,
      revokedAt: sessions.revokedAt,
      expiresAt: sessions.expiresAt,
      source: sessions.source,
      userStatus: users.status,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder('sid')))
    .prepare('session_of_token'),
)

/** The session and its user's status, or undefined when either is gone. */
export async function findSession(db: Db, sessionId: string) {
  const [row] = await sessionStatement(db).execute({ sid: sessionId })
  return row
}

/** Throws session_revoked or user_blocked unless the session is live now. */
export function refuseUnlessLive(
  row: Awaited<ReturnType<typeof findSession>>,
  now: Date,
): asserts row is NonNullable<typeof row> {
  const state = row ? sessionState(row, now) : 'revoked'
  if (state === 'revoked')
    throw new AppError('session_revoked', 'The session has ended; log in again.')
  if (state === 'expired')
    throw new AppError('session_revoked', 'The session has expired; log in again.')
  if (state === 'blocked') throw new AppError('user_blocked', 'This account is blocked.')
}

/** The session from memory when this instance holds it live, else from the database (and then kept if live). */
async function sessionOf(deps: Pick<Deps, 'db' | 'sessionCache'>, sessionId: string, now: Date) {
  const cached = deps.sessionCache.session(sessionId, now)
  if (cached) return cached
  const ticket = deps.sessionCache.ticket()
  const row = await findSession(deps.db, sessionId)
  if (row && sessionState(row, now) === 'live')
    deps.sessionCache.rememberSession(sessionId, { ...row, revokedAt: null }, ticket)
  return row
}

/** Throws token_invalid, token_expired, session_revoked or user_blocked. */
export async function authenticate(
  deps: Pick<Deps, 'db' | 'accessTokens' | 'now' | 'sessionCache'>,
  token: string,
): Promise<Authenticated> {
  const claims = await deps.accessTokens.verify(token)
  const now = deps.now()
  const row = await sessionOf(deps, claims.sid, now)
  // A session of another user: the token is not this session's, whatever the session's state.
  refuseUnlessLive(row && row.userId === claims.sub ? row : undefined, now)
  return {
    userId: claims.sub,
    sessionId: claims.sid,
    connection: claims.azp,
    token,
    iat: claims.iat!,
    exp: claims.exp!,
  }
}
