// A new session, its first refresh token and the login's audit event: one prepared statement.
import { sql } from 'drizzle-orm'
import type { AuditEvent } from '../audit'
import { hashToken, randomToken } from '../crypto/random'
import type { Db } from '../db/client'
import { perDb } from '../db/per-db'
import { auditEvents, refreshTokens, sessions } from '../db/schema'
import type { SessionContext, SessionOptions } from './sessions'

/** Which API made a session: only Authing's renew through its refreshToken mutation (compat/resolvers.ts). */
export type SessionSource = 'native' | 'authing'

const ph = sql.placeholder

/**
 * The session, its first refresh token and the audit row of the login that made them, in one prepared
 * statement: atomic without a transaction, and one round trip where a transaction of unprepared inserts
 * took six.
 */
const createStatement = perDb((db: Db) => {
  const session = db.$with('new_session').as(
    db
      .insert(sessions)
      .values({
        id: ph('sessionId'),
        userId: ph('userId'),
        connection: ph('connection'),
        source: ph('source'),
        createdAt: ph('now'),
        lastRefreshedAt: ph('now'),
        expiresAt: ph('expiresAt'),
        ip: ph('ip'),
        userAgent: ph('userAgent'),
        client: ph('client'),
      })
      .returning({ id: sessions.id }),
  )
  const tokenRow = db.$with('new_refresh_token').as(
    db
      .insert(refreshTokens)
      .values({
        tokenHash: ph('tokenHash'),
        sessionId: ph('sessionId'),
        createdAt: ph('now'),
        expiresAt: ph('expiresAt'),
      })
      .returning({ sessionId: refreshTokens.sessionId }),
  )
  return db
    .with(session, tokenRow)
    .insert(auditEvents)
    .values({
      type: ph('auditType'),
      userId: ph('auditUserId'),
      connection: ph('auditConnection'),
      ip: ph('auditIp'),
      // Raw, not column-bound: drizzle's jsonb encoder would store an absent detail as JSON null.
      detail: sql`${ph('auditDetail')}`,
      createdAt: ph('now'),
    })
    .prepare('create_session')
})

/** Creates a session with its first refresh token, and writes `audit` in the same statement. */
export async function createSession(
  db: Db,
  input: {
    userId: string
    connection: string
    sessionId?: string
    source?: SessionSource
    /** 'web' for a browser's session from a QR login; absent for the Mini Program's own. */
    client?: 'web'
  } & SessionContext,
  { now, refreshTtlSeconds, randomId }: SessionOptions,
  audit: AuditEvent,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = input.sessionId ?? randomId()
  const refreshToken = randomToken()
  await createStatement(db).execute({
    sessionId,
    userId: input.userId,
    connection: input.connection,
    source: input.source ?? 'native',
    now,
    expiresAt: new Date(now.getTime() + refreshTtlSeconds * 1000),
    ip: input.ip ?? null,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    client: input.client ?? null,
    tokenHash: hashToken(refreshToken),
    auditType: audit.type,
    auditUserId: audit.userId ?? null,
    auditConnection: audit.connection ?? null,
    auditIp: audit.ip ?? null,
    auditDetail: audit.detail ? JSON.stringify(audit.detail) : null,
  })
  return { sessionId, refreshToken }
}
