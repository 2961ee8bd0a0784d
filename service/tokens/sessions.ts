// Sessions and their refresh tokens. A refresh token is opaque (256 random bits), stored only as a hash,
// and single use: each refresh rotates it, and presenting one that was already rotated means it leaked, so
// the whole session is revoked.
import { and, eq, isNull } from 'drizzle-orm'
import { recordAudit } from '../audit'
import { hashToken, randomToken } from '../crypto/random'
import type { Db } from '../db/client'
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

export async function createSession(
  db: Db,
  input: { userId: string; connection: string } & SessionContext,
  { now, refreshTtlSeconds, randomId }: SessionOptions,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomId()
  const refreshToken = randomToken()
  const expiresAt = new Date(now.getTime() + refreshTtlSeconds * 1000)
  await db.transaction(async (tx) => {
    await tx.insert(sessions).values({
      id: sessionId,
      userId: input.userId,
      connection: input.connection,
      createdAt: now,
      lastRefreshedAt: now,
      expiresAt,
      ip: input.ip ?? null,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
    })
    await tx
      .insert(refreshTokens)
      .values({ tokenHash: hashToken(refreshToken), sessionId, createdAt: now, expiresAt })
  })
  return { sessionId, refreshToken }
}

export interface Rotated {
  sessionId: string
  userId: string
  connection: string
  refreshToken: string
}

/** Exchanges a live refresh token for a new one. Reuse of a rotated token revokes the session. */
export async function rotateRefreshToken(
  db: Db,
  presented: string,
  { now, refreshTtlSeconds }: Omit<SessionOptions, 'randomId'>,
  ctx: SessionContext = {},
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
