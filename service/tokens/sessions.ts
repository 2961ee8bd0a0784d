// Sessions and their refresh tokens. A refresh token is opaque (256 random bits), stored only as a hash,
// and single use: each refresh rotates it, and presenting one that was already rotated means it leaked, so
// the whole session is revoked, unless it is a retry within the short reuse interval (an answer lost on a
// mobile network) of a token whose successor was never used. Creating one is in create-session.ts.
import { and, eq, isNull, sql } from 'drizzle-orm'
import { recordAudit } from '../audit'
import { hashToken, randomToken } from '../crypto/random'
import { prepareSql, type Db } from '../db/client'
import { perDb } from '../db/per-db'
import { refreshTokens, sessions, users } from '../db/schema'
import { AppError } from '../errors'
import { liveSessionSql, sessionState } from './session-state'

export interface SessionContext {
  ip?: string | null
  userAgent?: string | null
}

export interface SessionOptions {
  now: Date
  refreshTtlSeconds: number
  randomId: () => string
}

export interface RotateOptions {
  now: Date
  /** How far each refresh slides the session. */
  refreshTtlSeconds: number
  /** No session lives longer than this from its creation, however often it is refreshed. */
  maxLifetimeSeconds: number
  /** A retry of the just-rotated token within this many seconds gets a new pair; 0: never. */
  reuseIntervalSeconds: number
  /** Told the session a reused token ended, once that is committed (the instance's session cache). */
  onRevoked?: (sessionId: string) => void
}

const ph = sql.placeholder

export interface Rotated {
  sessionId: string
  userId: string
  connection: string
  /** The session's client ('web' for a QR login's browser session), kept in every token it is given. */
  client: 'web' | null
  refreshToken: string
}

/**
 * The whole of a rotation in one statement, and the only place that rotates. The token to rotate is the
 * presented one if it is live (unrotated, unexpired, of a live session of an active user) or, when the
 * presented one was rotated within the reuse interval (its answer was lost and the client retries), the
 * token it was rotated into, if that one is still unused. Lock it, mark it rotated into the next token,
 * slide the session (never past its absolute end), add the next token and audit it. When nothing is live
 * it matches nothing and changes nothing; `diagnose` then says why. The row lock makes a concurrent second
 * use wait and then match nothing.
 */
const rotateSql = sql`WITH presented AS (
  SELECT token_hash, rotated_at, replaced_by FROM refresh_tokens WHERE token_hash = ${ph('hash')}
), live AS (
  SELECT rt.token_hash, rt.session_id, s.user_id, s.connection, s.client,
    p.rotated_at IS NOT NULL AS retried,
    least(${ph('expiresAt')}::timestamptz,
      s.created_at + make_interval(secs => ${ph('maxLifetime')}::int)) AS ends
  FROM presented p
  JOIN refresh_tokens rt ON rt.token_hash = CASE
    WHEN p.rotated_at IS NULL THEN p.token_hash
    WHEN p.rotated_at > ${ph('now')}::timestamptz - make_interval(secs => ${ph('reuseInterval')}::int)
      THEN p.replaced_by
  END
  JOIN sessions s ON s.id = rt.session_id
  JOIN users u ON u.id = s.user_id
  WHERE rt.rotated_at IS NULL AND rt.expires_at > ${ph('now')} AND ${liveSessionSql(ph('now'))}
  FOR UPDATE OF rt
), consumed AS (
  UPDATE refresh_tokens SET rotated_at = ${ph('now')}, replaced_by = ${ph('nextHash')} FROM live
  WHERE refresh_tokens.token_hash = live.token_hash
  RETURNING live.session_id, live.user_id, live.connection, live.client, live.retried, live.ends
), slid AS (
  UPDATE sessions SET last_refreshed_at = ${ph('now')}, expires_at = consumed.ends
  FROM consumed WHERE sessions.id = consumed.session_id
), next_token AS (
  INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)
  SELECT ${ph('nextHash')}, session_id, ${ph('now')}::timestamptz, ends
  FROM consumed
), audit AS (
  INSERT INTO audit_events (type, user_id, connection, ip, detail, created_at)
  SELECT 'token.refreshed', user_id, connection, ${ph('ip')},
    jsonb_build_object('sessionId', session_id)
      || CASE WHEN retried THEN '{"withinReuseInterval": true}'::jsonb ELSE '{}'::jsonb END,
    ${ph('now')}::timestamptz
  FROM consumed
)
SELECT session_id AS "sessionId", user_id AS "userId", connection, client FROM consumed`

const rotateStatement = perDb((db) =>
  prepareSql<{ sessionId: string; userId: string; connection: string; client: 'web' | null }>(
    db,
    'rotate_refresh_token',
    rotateSql,
  ),
)

/** Exchanges a live refresh token for a new one. Reuse of a rotated token revokes the session. */
export async function rotateRefreshToken(
  db: Db,
  presented: string,
  options: RotateOptions,
  ctx: SessionContext = {},
): Promise<Rotated> {
  const statement = rotateStatement(db)
  const refreshToken = randomToken()
  const hash = hashToken(presented)
  const values = {
    hash,
    nextHash: hashToken(refreshToken),
    now: options.now.toISOString(),
    expiresAt: new Date(options.now.getTime() + options.refreshTtlSeconds * 1000).toISOString(),
    maxLifetime: options.maxLifetimeSeconds,
    reuseInterval: options.reuseIntervalSeconds,
    ip: ctx.ip ?? null,
  }
  // A second attempt only when the token became rotatable between the statement and the diagnosis (a
  // concurrent retry of the same token, which waited on the first one's row lock).
  for (let attempt = 1; ; attempt++) {
    const [row] = await statement(values)
    if (row) return { ...row, refreshToken }
    const why = await diagnose(db, hash, options)
    if (why.kind !== 'rotatable') return refuse(db, why, options, ctx)
    if (attempt >= 2)
      throw new AppError(
        'database_unavailable',
        'The session changed while refreshing; try again.',
        {
          retryAfter: 1,
        },
      )
  }
}

type Diagnosis =
  | { kind: 'unknown' | 'expired' | 'revoked' | 'blocked' | 'rotatable' }
  | { kind: 'reused'; sessionId: string }

/** Why a refresh token did not rotate. It only reads: the rotation itself is rotateSql's alone. */
async function diagnose(db: Db, hash: string, o: RotateOptions): Promise<Diagnosis> {
  const [t] = await db
    .select({
      sessionId: refreshTokens.sessionId,
      expiresAt: refreshTokens.expiresAt,
      rotatedAt: refreshTokens.rotatedAt,
      replacedBy: refreshTokens.replacedBy,
      sessionExpiresAt: sessions.expiresAt,
      revokedAt: sessions.revokedAt,
      userStatus: users.status,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(refreshTokens.tokenHash, hash))
  if (!t) return { kind: 'unknown' }
  const retry = t.rotatedAt !== null && (await retriable(db, t, o))
  if (t.rotatedAt !== null && !retry) return { kind: 'reused', sessionId: t.sessionId }
  const session = sessionState({ ...t, expiresAt: t.sessionExpiresAt }, o.now)
  if (session === 'revoked') return { kind: 'revoked' }
  if (t.expiresAt <= o.now || session === 'expired') return { kind: 'expired' }
  if (session === 'blocked') return { kind: 'blocked' }
  return { kind: 'rotatable' }
}

/** A rotated token within the reuse interval whose successor is still unused. */
async function retriable(
  db: Db,
  t: { rotatedAt: Date | null; replacedBy: string | null },
  o: RotateOptions,
): Promise<boolean> {
  if (!t.rotatedAt || !t.replacedBy) return false
  if (o.now.getTime() - t.rotatedAt.getTime() >= o.reuseIntervalSeconds * 1000) return false
  const [successor] = await db
    .select({ rotatedAt: refreshTokens.rotatedAt })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, t.replacedBy))
  return successor !== undefined && successor.rotatedAt === null
}

async function refuse(
  db: Db,
  why: Diagnosis,
  { now, onRevoked }: RotateOptions,
  ctx: SessionContext,
): Promise<never> {
  switch (why.kind) {
    case 'reused': {
      const revoked = await revokeSession(db, why.sessionId, 'refresh_token_reused', now)
      if (revoked) onRevoked?.(why.sessionId)
      await recordAudit(
        db,
        {
          type: 'token.reuse_detected',
          userId: revoked?.userId,
          connection: revoked?.connection,
          ip: ctx.ip,
          detail: { sessionId: why.sessionId, sessionRevoked: true },
        },
        now,
      )
      throw new AppError(
        'refresh_token_reused',
        'This refresh token was already used; the session has been ended.',
      )
    }
    case 'revoked':
      throw new AppError('session_revoked', 'The session has ended; log in again.')
    case 'expired':
      throw new AppError('refresh_token_invalid', 'The refresh token has expired; log in again.')
    case 'blocked':
      throw new AppError('user_blocked', 'This account is blocked.')
    default:
      throw new AppError('refresh_token_invalid', 'The refresh token is not valid.')
  }
}

export async function revokeSession(db: Db, sessionId: string, reason: string, now: Date) {
  const [row] = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ userId: sessions.userId, connection: sessions.connection })
  return row
}
