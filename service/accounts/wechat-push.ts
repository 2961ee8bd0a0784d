// Acting on WeChat's authorization-change pushes: the person deleted their WeChat account (the account goes, as
// DELETE /v1/me does), withdrew consent for some data (it is cleared), or WeChat cleaned a risky nickname or
// avatar (both are cleared: the push does not say which). One transaction per push: its dedupe row, the
// change and the audit rows, so a retry of WeChat's or a replay finds the row and changes nothing.
// https://developers.weixin.qq.com/miniprogram/dev/server/event_push/platform/authorized_user_information_changes.html
import { and, eq } from 'drizzle-orm'
import { recordAudit } from '../audit'
import type { Connection } from '../config'
import type { Db } from '../db/client'
import { lockUsers } from '../db/locks'
import { wechatIdentities, wechatPushEvents } from '../db/schema'
import type { Deps } from '../deps'
import type { AuthorizationChange } from '../wechat/push-message'
import { clearUserData, type ClearableField } from './clear-data'
import { deleteUserIn } from './delete'

/**
 * RevokeInfo codes of the data this service keeps, from the page above (Body.RevokeInfo): 6 昵称和头像,
 * 8 手机号, 19 the nickname picked in the nickname keyboard, 20 the avatar picked in the avatar component.
 * The others (car plate, address, invoice, Bluetooth, microphone, camera, steps, location, files, e-mail…)
 * name nothing stored here.
 */
export const revokedFields: Record<string, ClearableField[]> = {
  '6': ['nickname', 'avatar'],
  '8': ['phone'],
  '19': ['nickname'],
  '20': ['avatar'],
}

export type PushOutcome =
  | 'deleted'
  | 'cleared'
  | 'nothing_to_clear'
  | 'unknown_openid'
  /** A retry or replay of a push already acted on: nothing written. */
  | 'replayed'

/** The fields a change asks to clear (cancellation deletes everything instead). */
export function fieldsToClear(change: AuthorizationChange): ClearableField[] {
  if (change.event === 'user_info_modified') return ['nickname', 'avatar']
  return [...new Set(change.revokeInfo.flatMap((code) => revokedFields[code] ?? []))]
}

/** The identity's user moved or went between reading it and locking it: read again. */
class StaleRead extends Error {}

async function ownerOf(tx: Db, appId: string, openid: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ userId: wechatIdentities.userId })
    .from(wechatIdentities)
    .where(and(eq(wechatIdentities.appid, appId), eq(wechatIdentities.openid, openid)))
  return row?.userId
}

async function apply(
  tx: Db,
  connection: Connection,
  change: AuthorizationChange,
  now: Date,
): Promise<{ outcome: PushOutcome; cleared?: ClearableField[]; userId?: string }> {
  const fresh = await tx
    .insert(wechatPushEvents)
    .values({
      appid: connection.appId,
      openid: change.openid,
      event: change.event,
      createTime: change.createTime,
      receivedAt: now,
    })
    .onConflictDoNothing()
    .returning({ at: wechatPushEvents.receivedAt })
  if (fresh.length === 0) return { outcome: 'replayed' }
  const audit = (userId: string | null, detail: Record<string, unknown>) =>
    recordAudit(
      tx,
      {
        type: 'wechat.push',
        userId,
        connection: connection.id,
        detail: {
          event: change.event,
          ...(change.revokeInfo.length ? { revokeInfo: change.revokeInfo } : {}),
          ...detail,
        },
      },
      now,
    )
  const userId = await ownerOf(tx, connection.appId, change.openid)
  // No openid kept for a stranger: the audit row says only that a push named nobody we know.
  if (!userId) {
    await audit(null, { outcome: 'unknown_openid' })
    return { outcome: 'unknown_openid' }
  }
  // db/locks.ts: the users row first; a phone login moving this identity locks it too, so once we hold it
  // the identity stays where we found it.
  const locked = await lockUsers(tx, [userId])
  if (locked.length === 0 || (await ownerOf(tx, connection.appId, change.openid)) !== userId)
    throw new StaleRead()
  const by = { by: 'wechat', event: change.event }
  if (change.event === 'user_authorization_cancellation') {
    await deleteUserIn(tx, userId, { by: 'wechat', connection: connection.id }, now)
    await audit(userId, { outcome: 'deleted' })
    return { outcome: 'deleted', userId }
  }
  const cleared = await clearUserData(tx, {
    userId,
    fields: fieldsToClear(change),
    detail: by,
    connection: connection.id,
    now,
  })
  const outcome = cleared.length ? 'cleared' : 'nothing_to_clear'
  await audit(userId, { outcome, cleared })
  return { outcome, cleared, userId }
}

/** Acts on one verified push, idempotently; answers what it did. */
export async function applyAuthorizationChange(
  deps: Pick<Deps, 'db' | 'now' | 'sessionCache'>,
  connection: Connection,
  change: AuthorizationChange,
): Promise<{ outcome: PushOutcome; cleared?: ClearableField[] }> {
  const now = deps.now()
  const run = () => deps.db.transaction((tx) => apply(tx, connection, change, now))
  for (let attempt = 1; ; attempt++) {
    try {
      const { userId, ...applied } = await run()
      if (userId) deps.sessionCache.forgetUser(userId)
      return applied
    } catch (err) {
      if (!(err instanceof StaleRead) || attempt === 3) throw err
    }
  }
}
