// Blocking and unblocking a user. While blocked, login, refresh and every existing access token are refused
// with 403 user_blocked (accounts/login.ts, tokens/sessions.ts, http/bearer.ts check the status), so the Mini
// Program can say why. Sessions are ended on unblock, not on block: revoking them at once would turn those
// answers into 401 session_revoked, and nothing issued before the block should work after it. A Mini
// Program logs in again silently, so the person loses nothing.
import { eq } from 'drizzle-orm'
import { recordAudit, type AdminActor } from '../audit'
import { users } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { endSessions } from './revoke-sessions'

export type UserStatus = 'active' | 'blocked'

export interface StatusChange {
  changed: boolean
  /** Sessions ended by an unblock (reason user_blocked). */
  sessionsRevoked: number
}

export async function setUserStatus(
  deps: Pick<Deps, 'db' | 'now' | 'sessionCache'>,
  userId: string,
  status: UserStatus,
  ctx: { ip?: string | null; actor?: AdminActor },
): Promise<StatusChange> {
  const now = deps.now()
  const change = await deps.db.transaction(async (tx): Promise<StatusChange> => {
    // Row lock: two admins flipping the same user serialize, so exactly one of them sees the change.
    const [before] = await tx
      .select({ status: users.status })
      .from(users)
      .where(eq(users.id, userId))
      .for('update')
    if (!before) throw new AppError('user_not_found', 'There is no user with this id.')
    if (before.status === status) return { changed: false, sessionsRevoked: 0 }
    await tx.update(users).set({ status, updatedAt: now }).where(eq(users.id, userId))
    const ended = status === 'active' ? await endSessions(tx, userId, 'user_blocked', now) : []
    await recordAudit(
      tx,
      {
        type: status === 'blocked' ? 'user.blocked' : 'user.unblocked',
        userId,
        ip: ctx.ip,
        detail: { actor: ctx.actor ?? 'admin', sessionsRevoked: ended.length },
      },
      now,
    )
    return { changed: true, sessionsRevoked: ended.length }
  })
  if (change.changed) deps.sessionCache.forgetUser(userId)
  return change
}
