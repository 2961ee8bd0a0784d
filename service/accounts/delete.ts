// Deleting an account (DELETE /v1/me, and the admin API): the user row goes, and with it, through the foreign
// keys' cascades, its WeChat identities, sessions and refresh tokens, so every token of it stops working at
// once (the bearer check needs the session row). The audit log keeps that it happened, and nothing personal:
// the addresses its earlier events recorded are scrubbed. Deleting the row first is the lock order of
// db/locks.ts (users before identities and sessions).
import { eq } from 'drizzle-orm'
import { recordAudit } from '../audit'
import type { Db } from '../db/client'
import { auditEvents, users } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'

export interface DeleteActor {
  /**
   * Who asked: the user themselves, an operator through the admin API or the admin console, or WeChat,
   * telling that the person deleted their WeChat account (user_authorization_cancellation).
   */
  by: 'self' | 'admin' | 'console' | 'wechat'
  /** The connection of the session that asked, when the user did; the pushing connection for WeChat. */
  connection?: string | null
}

/** Deletes the account inside the caller's transaction `tx`, which may hold the user's row lock already. */
export async function deleteUserIn(tx: Db, userId: string, actor: DeleteActor, now: Date) {
  const [gone] = await tx.delete(users).where(eq(users.id, userId)).returning({ id: users.id })
  if (!gone) throw new AppError('user_not_found', 'The account does not exist.')
  await tx.update(auditEvents).set({ ip: null }).where(eq(auditEvents.userId, userId))
  // The user id only: no phone, nickname, openid or address, since the person asked to be forgotten.
  await recordAudit(
    tx,
    { type: 'user.deleted', userId, connection: actor.connection, detail: { by: actor.by } },
    now,
  )
}

export async function deleteUser(
  deps: Pick<Deps, 'db' | 'now' | 'sessionCache'>,
  userId: string,
  actor: DeleteActor,
): Promise<void> {
  const now = deps.now()
  await deps.db.transaction((tx) => deleteUserIn(tx, userId, actor, now))
  deps.sessionCache.forgetUser(userId)
}
