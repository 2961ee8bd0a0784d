// Ending every live session of a user (the operator's "sign out everywhere"): the refresh tokens stop
// working at once and so do the access tokens, since the bearer check needs a live session row. The user
// is not blocked: the Mini Program logs in again silently. Lock order: the users row, then its sessions.
import { and, eq, isNull } from 'drizzle-orm'
import { recordAudit, type AdminActor } from '../audit'
import type { Db } from '../db/client'
import { lockUsers } from '../db/locks'
import { sessions } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'

/** Revokes the user's unrevoked sessions with `reason`; the caller holds the users row lock. */
export const endSessions = (tx: Db, userId: string, reason: string, now: Date) =>
  tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id })

export async function revokeUserSessions(
  deps: Pick<Deps, 'db' | 'now' | 'sessionCache'>,
  userId: string,
  ctx: { ip?: string | null; actor: AdminActor },
): Promise<{ sessionsRevoked: number }> {
  const now = deps.now()
  const result = await deps.db.transaction(async (tx) => {
    const [user] = await lockUsers(tx, [userId])
    if (!user) throw new AppError('user_not_found', 'There is no user with this id.')
    const ended = await endSessions(tx, userId, 'admin', now)
    await recordAudit(
      tx,
      {
        type: 'session.revoked',
        userId,
        ip: ctx.ip,
        detail: { actor: ctx.actor, sessionsRevoked: ended.length },
      },
      now,
    )
    return { sessionsRevoked: ended.length }
  })
  deps.sessionCache.forgetUser(userId)
  return result
}
