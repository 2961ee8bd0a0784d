// Ending every live session of a user (the operator's "sign out everywhere"): the refresh tokens stop
// working at once and so do the access tokens, since the bearer check needs a live session row. The user
// is not blocked: the Mini Program logs in again silently. Lock order: the users row, then its sessions.
import { and, eq, isNull } from 'drizzle-orm'
import { recordAudit, type AdminActor } from '../audit'
import { sessions, users } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'

export async function revokeUserSessions(
  deps: Pick<Deps, 'db' | 'now'>,
  userId: string,
  ctx: { ip?: string | null; actor: AdminActor },
): Promise<{ sessionsRevoked: number }> {
  const now = deps.now()
  return deps.db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id })
      .from(users)
      .where(eq(users.id, userId))
      .for('update')
    if (!user) throw new AppError('user_not_found', 'There is no user with this id.')
    const ended = await tx
      .update(sessions)
      .set({ revokedAt: now, revokedReason: 'admin' })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id })
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
}
