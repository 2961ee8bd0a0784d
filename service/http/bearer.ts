// Bearer middleware: a valid access token AND a live session of an active user. Checking the session on
// every request is what makes logout, account deletion and blocking take effect at once.
import { eq, sql } from 'drizzle-orm'
import { createMiddleware } from 'hono/factory'
import type { Db } from '../db/client'
import { sessions, users } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { AppEnv } from './context'

function sessionStatement(db: Db) {
  return db
    .select({ revokedAt: sessions.revokedAt, userId: sessions.userId, status: users.status })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder('sid')))
    .prepare('bearer_session')
}

export function bearer(deps: Pick<Deps, 'db' | 'accessTokens'>) {
  const statement = sessionStatement(deps.db)
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization')
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i)
    if (!match)
      throw new AppError(
        'token_missing',
        'Send the access token as "Authorization: Bearer <token>".',
      )
    const claims = await deps.accessTokens.verify(match[1]!)
    const [row] = await statement.execute({ sid: claims.sid })
    if (!row || row.revokedAt || row.userId !== claims.sub) {
      throw new AppError('session_revoked', 'The session has ended; log in again.')
    }
    if (row.status !== 'active') throw new AppError('user_blocked', 'This account is blocked.')
    c.set('auth', { userId: claims.sub, sessionId: claims.sid, connection: claims.azp })
    await next()
  })
}
