// Sessions and their refresh tokens. A refresh token is opaque (256 random bits), stored only as a hash,
// and single use: each refresh rotates it, and presenting one that was already rotated means it leaked, so
// the whole session is revoked. Creating one is in create-session.ts.
import { and, eq, isNull, sql } from 'drizzle-orm'
import { recordAudit } from '../audit'
import { hashToken, randomToken } from '../crypto/random'
import { prepareSql, type Db } from '../db/client'
import { refreshTokens, sessions, users } from '../db/schema'
import { AppError } from '../errors'

export interface SessionContext {
  ip?: string | null
  userAgent?: string | null
}

export interface SessionOptions {
  now: Date
  refreshTtlSeconds: number
  randomId: () => string
}

// Kept importable from here, where it used to live.
export { createSession } from './create-session'

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
 * The whole of a successful rotation in one statement: lock the presented token if it is live (unrotated,
 * unexpired, of a live session of an active user), mark it rotated, slide the session, add the next token
 * and audit it. When the token is not live it matches nothing and changes nothing: the caller then finds
 * out why on the slow path. The row lock makes a concurrent second use wait and then match nothing.
 */
const rotateSql = sql`WITH live AS (
  SELECT rt.token_hash, rt.session_id, s.user_id, s.connection, s.client
  FROM refresh_tokens rt
  JOIN sessions s ON s.id = rt.session_id
  JOIN users u ON u.id = s.user_id
  WHERE rt.token_hash = ${ph('hash')} AND rt.rotated_at IS NULL AND rt.expires_at > ${ph('now')}
    AND s.expires_at > ${ph('now')} AND s.revoked_at IS NULL AND u.status = 'active'
  FOR UPDATE OF rt
), consumed AS (
  UPDATE refresh_tokens SET rotated_at = ${ph('now')} FROM live
  WHERE refresh_tokens.token_hash = live.token_hash
  RETURNING live.session_id, live.user_id, live.connection, live.client
), slid AS (
  UPDATE sessions SET last_refreshed_at = ${ph('now')}, expires_at = ${ph('expiresAt')}
  FROM consumed WHERE sessions.id = consumed.session_id
), next_token AS (
  INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)
  SELECT ${ph('nextHash')}, session_id, ${ph('now')}::timestamptz, ${ph('expiresAt')}::timestamptz
  FROM consumed
), audit AS (
  INSERT INTO audit_events (type, user_id, connection, ip, detail, created_at)
  SELECT 'token.refreshed', user_id, connection, ${ph('ip')},
    jsonb_build_object('sessionId', session_id), ${ph('now')}::timestamptz
  FROM consumed
)
SELECT session_id AS "sessionId", user_id AS "userId", connection, client FROM consumed`

const rotateStatement = (db: Db) =>
  prepareSql<{ sessionId: string; userId: string; connection: string; client: 'web' | null }>(
    db,
    'rotate_refresh_token',
    rotateSql,
  )

const rotateStatements = new WeakMap<Db, ReturnType<typeof rotateStatement>>()

/** Exchanges a live refresh token for a new one. Reuse of a rotated token revokes the session. */
export async function rotateRefreshToken(
  db: Db,
  presented: string,
  options: Omit<SessionOptions, 'randomId'>,
  ctx: SessionContext = {},
): Promise<Rotated> {
  let statement = rotateStatements.get(db)
  if (!statement) rotateStatements.set(db, (statement = rotateStatement(db)))
  const refreshToken = randomToken()
  const [row] = await statement({
    hash: hashToken(presented),
    nextHash: hashToken(refreshToken),
    now: options.now.toISOString(),
    expiresAt: new Date(options.now.getTime() + options.refreshTtlSeconds * 1000).toISOString(),
    ip: ctx.ip ?? null,
  })
  if (row) return { ...row, refreshToken }
  return rotateOrExplain(db, presented, options, ctx)
}

/**
 * The slow path, for a token the one-statement rotation did not match: rotates it if it has become live
 * since, else says why not (unknown, expired, revoked, blocked) and, for a reused token, revokes the session.
 */
async function rotateOrExplain(
  db: Db,
  presented: string,
  { now, refreshTtlSeconds }: Omit<SessionOptions, 'randomId'>,
  ctx: SessionContext,
): Promise<Rotated> {
  const hash = hashToken(presented)
  const outcome = await db.transaction(async (tx) => {
    const [consumed] = await tx
      .update(refreshTokens)
      .set({ rotatedAt: now })
      .where(and(eq(refreshTokens.tokenHash, hash), isNull(refreshTokens.rotatedAt)))
      .returning({ sessionId: refreshTokens.sessionId, expiresAt: refreshTokens.expiresAt })
    if (!consumed) {
      const [seen] = await tx
        .select({ sessionId: refreshTokens.sessionId })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, hash))
      return seen
        ? { kind: 'reused' as const, sessionId: seen.sessionId }
        : { kind: 'unknown' as const }
    }
    const [s] = await tx
      .select({
        userId: sessions.userId,
        connection: sessions.connection,
        client: sessions.client,
        expiresAt: sessions.expiresAt,
        revokedAt: sessions.revokedAt,
        status: users.status,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, consumed.sessionId))
    if (!s || consumed.expiresAt <= now || s.expiresAt <= now) {
      throw new AppError('refresh_token_invalid', 'The refresh token has expired; log in again.')
    }
    if (s.revokedAt) throw new AppError('session_revoked', 'The session has ended; log in again.')
    if (s.status !== 'active') throw new AppError('user_blocked', 'This account is blocked.')
    const refreshToken = randomToken()
    const expiresAt = new Date(now.getTime() + refreshTtlSeconds * 1000)
    await tx.insert(refreshTokens).values({
      tokenHash: hashToken(refreshToken),
      sessionId: consumed.sessionId,
      createdAt: now,
      expiresAt,
    })
    await tx
      .update(sessions)
      .set({ lastRefreshedAt: now, expiresAt })
      .where(eq(sessions.id, consumed.sessionId))
    const rotated: Rotated = {
      sessionId: consumed.sessionId,
      userId: s.userId,
      connection: s.connection,
      client: s.client === 'web' ? 'web' : null,
      refreshToken,
    }
    return { kind: 'rotated' as const, rotated }
  })
  if (outcome.kind === 'rotated') {
    await recordAudit(
      db,
      {
        type: 'token.refreshed',
        userId: outcome.rotated.userId,
        connection: outcome.rotated.connection,
        ip: ctx.ip,
        detail: { sessionId: outcome.rotated.sessionId },
      },
      now,
    )
    return outcome.rotated
  }
  if (outcome.kind === 'reused') {
    const revoked = await revokeSession(db, outcome.sessionId, 'refresh_token_reused', now)
    await recordAudit(
      db,
      {
        type: 'token.reuse_detected',
        userId: revoked?.userId,
        connection: revoked?.connection,
        ip: ctx.ip,
        detail: { sessionId: outcome.sessionId, sessionRevoked: true },
      },
      now,
    )
    throw new AppError(
      'refresh_token_reused',
      'This refresh token was already used; the session has been ended.',
    )
  }
  throw new AppError('refresh_token_invalid', 'The refresh token is not valid.')
}

export async function revokeSession(db: Db, sessionId: string, reason: string, now: Date) {
  const [row] = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ userId: sessions.userId, connection: sessions.connection })
  return row
}
