// A new session, its first refresh token and, for a login, its audit event: one prepared statement.
import { sql } from 'drizzle-orm'
import type { AuditEvent } from '../audit'
import { hashToken, randomToken } from '../crypto/random'
import type { Db } from '../db/client'
import { auditEvents, refreshTokens, sessions } from '../db/schema'
import type { SessionContext, SessionOptions } from './sessions'

const ph = sql.placeholder

/**
 * The session and its first refresh token, and optionally the audit row of the login that made them, in
 * one prepared statement: atomic without a transaction, and one round trip where a transaction of two
 * unprepared inserts took six.
 */
function createStatement(db: Db, audited: boolean) {
  const session = db.$with('new_session').as(
    db
      .insert(sessions)
      .values({
        id: ph('sessionId'),
        userId: ph('userId'),
        connection: ph('connection'),
        createdAt: ph('now'),
        lastRefreshedAt: ph('now'),
        expiresAt: ph('expiresAt'),
        ip: ph('ip'),
        userAgent: ph('userAgent'),
        client: ph('client'),
      })
      .returning({ id: sessions.id }),
  )
  const token = {
    tokenHash: ph('tokenHash'),
    sessionId: ph('sessionId'),
    createdAt: ph('now'),
    expiresAt: ph('expiresAt'),
  }
  if (!audited)
    return db.with(session).insert(refreshTokens).values(token).prepare('create_session')
  const tokenRow = db
    .$with('new_refresh_token')
    .as(db.insert(refreshTokens).values(token).returning({ sessionId: refreshTokens.sessionId }))
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
    .prepare('create_session_audited')
}

type CreateStatement = ReturnType<typeof createStatement>
const createStatements = new WeakMap<Db, { plain: CreateStatement; audited: CreateStatement }>()

function createStatementsOf(db: Db) {
  let found = createStatements.get(db)
  if (!found) {
    found = { plain: createStatement(db, false), audited: createStatement(db, true) }
    createStatements.set(db, found)
  }
  return found
}

/**
 * Creates a session with its first refresh token. `audit`, when given, is written in the same statement
 * (a login's success event, so that no session exists without it).
 */
export async function createSession(
  db: Db,
  input: {
    userId: string
    connection: string
    sessionId?: string
    /** 'web' for a browser's session from a QR login; absent for the Mini Program's own. */
    client?: 'web'
  } & SessionContext,
  { now, refreshTtlSeconds, randomId }: SessionOptions,
  audit?: AuditEvent,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = input.sessionId ?? randomId()
  const refreshToken = randomToken()
  const values: Record<string, unknown> = {
    sessionId,
    userId: input.userId,
    connection: input.connection,
    now,
    expiresAt: new Date(now.getTime() + refreshTtlSeconds * 1000),
    ip: input.ip ?? null,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    client: input.client ?? null,
    tokenHash: hashToken(refreshToken),
  }
  const statements = createStatementsOf(db)
  if (!audit) {
    await statements.plain.execute(values)
  } else {
    await statements.audited.execute({
      ...values,
      auditType: audit.type,
      auditUserId: audit.userId ?? null,
      auditConnection: audit.connection ?? null,
      auditIp: audit.ip ?? null,
      auditDetail: audit.detail ? JSON.stringify(audit.detail) : null,
    })
  }
  return { sessionId, refreshToken }
}
