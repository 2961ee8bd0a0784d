// Which account a phone number leads to: account rule 2 (docs/accounts.md) for phone logins, and binding a phone to
// a signed-in user. Every writer of a phone number holds that number's advisory lock, so the unique phone
// index is never raced and two logins with one phone never make two accounts. Locks follow db/locks.ts.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { recordAudit } from '../audit'
import type { Connection } from '../config'
import type { Db } from '../db/client'
import { isUniqueViolation } from '../db/errors'
import { advisoryLock, lockPhone, lockUsers, personLockKey } from '../db/locks'
import { sessions, users, wechatIdentities } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { WeChatSession } from '../wechat/client'
import type { UserRow } from './users'

/** A row read in this transaction vanished before it could be locked. */
class StaleRead extends Error {}

/**
 * Writers that skip lockPhone (an operator's SQL) can still race us, and a user read in the transaction may
 * be deleted before its row lock is granted: one retry then sees the new state.
 */
async function retryOnConflict<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (!isUniqueViolation(err) && !(err instanceof StaleRead)) throw err
    return run()
  }
}

export interface PhoneLogin {
  user: UserRow
  created: boolean
  linked: boolean
}

/**
 * Rule 2: the phone's account becomes the user. It takes this WeChat identity and, with it, the person's
 * identities in the developer account's other apps (same unionid), so that rule 1 keeps leading them here;
 * the sessions those identities opened in the account they left end. No account holds the phone: it is
 * bound to the identity's user, created unless Login Only Mode. A login that lands on a blocked account is
 * refused before anything is written.
 */
export async function phoneLoginAccount(
  deps: Deps,
  input: { connection: Connection; session: WeChatSession; phone: string; ip?: string | null },
): Promise<PhoneLogin> {
  const { connection, session: s, phone } = input
  const now = deps.now()
  const sessionKeyEnc = deps.sealer.seal(s.sessionKey, 'session_key')
  // Every account the committed attempt wrote: this instance forgets what it holds of them at once.
  let touched: string[] = []
  const login = await retryOnConflict(() =>
    deps.db.transaction(async (tx): Promise<PhoneLogin> => {
      // The lock order of db/locks.ts: the phone, the person, then every users row this login writes.
      await lockPhone(tx, phone)
      await advisoryLock(tx, personLockKey(connection.appId, s))
      const [holder] = await tx.select({ id: users.id }).from(users).where(eq(users.phone, phone))
      const thisIdentity = and(
        eq(wechatIdentities.appid, connection.appId),
        eq(wechatIdentities.openid, s.openid),
      )
      const [identity] = await tx.select().from(wechatIdentities).where(thisIdentity)
      // The users holding the person's identities in other apps: the login moves those identities too.
      const siblings = s.unionid
        ? await tx
            .selectDistinct({ userId: wechatIdentities.userId })
            .from(wechatIdentities)
            .where(eq(wechatIdentities.unionid, s.unionid))
        : []
      const previous = identity?.userId ?? siblings[0]?.userId
      const expected = [holder?.id, previous, ...siblings.map((i) => i.userId)].filter(
        (id): id is string => id !== undefined,
      )
      const locked = await lockUsers(tx, expected)
      // A user read above was deleted before its row lock was granted: start again from what is there now.
      if (locked.length !== new Set(expected).size) throw new StaleRead()
      let userId = holder?.id ?? previous
      if (locked.find((u) => u.id === userId)?.status === 'blocked')
        throw new AppError('user_blocked', 'This account is blocked.')
      const created = !userId
      if (!userId) {
        if (connection.loginOnly)
          throw new AppError(
            'signup_disabled',
            'New accounts cannot sign up through this connection.',
          )
        userId = deps.randomId()
        await tx.insert(users).values({ id: userId, phone, createdAt: now, updatedAt: now })
      } else if (!holder) {
        // The phone this person proved now is the account's phone, replacing an older one if any.
        await tx.update(users).set({ phone, updatedAt: now }).where(eq(users.id, userId))
      }
      const identityValues = { userId, sessionKeyEnc, updatedAt: now }
      if (identity) {
        await tx
          .update(wechatIdentities)
          .set({ ...identityValues, unionid: s.unionid ?? identity.unionid })
          .where(eq(wechatIdentities.id, identity.id))
      } else {
        await tx.insert(wechatIdentities).values({
          ...identityValues,
          id: deps.randomId(),
          connection: connection.id,
          appid: connection.appId,
          openid: s.openid,
          unionid: s.unionid ?? null,
          createdAt: now,
        })
      }
      touched = [...new Set([...expected, userId])]
      const movedFrom = previous && previous !== userId ? previous : undefined
      const leaving = [...new Set(expected)].filter((id) => id !== userId)
      if (leaving.length)
        await moveIdentities(tx, { from: leaving, to: userId, s, connection, now })
      const [user] = await tx
        .update(users)
        .set({ loginCount: sql`${users.loginCount} + 1`, lastLoginAt: now })
        .where(eq(users.id, userId))
        .returning()
      const linked = !created && identity?.userId !== userId
      const base = { userId, connection: connection.id, ip: input.ip }
      if (!holder && !created)
        await recordAudit(tx, { ...base, type: 'phone.bound', detail: { via: 'login' } }, now)
      if (movedFrom)
        await recordAudit(
          tx,
          { ...base, type: 'identity.linked', detail: { reason: 'phone', fromUserId: movedFrom } },
          now,
        )
      return { user: user!, created, linked }
    }),
  )
  for (const id of touched) deps.sessionCache.forgetUser(id)
  return login
}

/**
 * The person's identities leave the accounts `from` for `to`: this app's (already moved) and, with a unionid,
 * the other apps'. The sessions they had opened there end: whoever holds those tokens proved nothing about
 * `to`, and those accounts are no longer reachable through this person's WeChat.
 */
async function moveIdentities(
  tx: Db,
  m: { from: string[]; to: string; s: WeChatSession; connection: Connection; now: Date },
) {
  const moved = m.s.unionid
    ? await tx
        .update(wechatIdentities)
        .set({ userId: m.to, updatedAt: m.now })
        .where(
          and(eq(wechatIdentities.unionid, m.s.unionid), inArray(wechatIdentities.userId, m.from)),
        )
        .returning({ connection: wechatIdentities.connection })
    : []
  const connections = [...new Set([m.connection.id, ...moved.map((i) => i.connection)])]
  await tx
    .update(sessions)
    .set({ revokedAt: m.now, revokedReason: 'identity_moved' })
    .where(
      and(
        inArray(sessions.userId, m.from),
        inArray(sessions.connection, connections),
        isNull(sessions.revokedAt),
      ),
    )
}

/** Binds a phone to a user: 409 phone_taken if another account holds it. False when it already had it. */
export async function bindToUser(
  deps: Deps,
  userId: string,
  phone: string,
  now: Date,
): Promise<boolean> {
  const changed = await retryOnConflict(() =>
    deps.db.transaction(async (tx) => {
      await lockPhone(tx, phone)
      const [holder] = await tx.select({ id: users.id }).from(users).where(eq(users.phone, phone))
      if (holder?.id === userId) return false
      if (holder)
        throw new AppError('phone_taken', 'Another account already has this phone number.')
      const [row] = await tx
        .update(users)
        .set({ phone, updatedAt: now })
        .where(eq(users.id, userId))
        .returning({ id: users.id })
      if (!row) throw new AppError('user_not_found', 'The account no longer exists.')
      return true
    }),
  )
  if (changed) deps.sessionCache.forgetUser(userId)
  return changed
}
