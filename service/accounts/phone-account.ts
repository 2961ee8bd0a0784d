// Which account a phone number leads to: DESIGN.md's account rule 2 for phone logins, and binding a phone to
// a signed-in user. Every writer of a phone number holds that number's advisory lock, so the unique phone
// index is never raced and two logins with one phone never make two accounts.
import { and, eq, ne, sql } from 'drizzle-orm'
import type { Connection } from '../config'
import type { Db } from '../db/client'
import { isUniqueViolation } from '../db/errors'
import { users, wechatIdentities } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { WeChatSession } from '../wechat/client'
import { personLockKey } from './identities'
import type { UserRow } from './users'

/** Serializes every writer of one phone number, so the unique phone index is never raced. */
const lockPhone = (tx: Db, phone: string) =>
  tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`phone:${phone}`}))`)

/** Writers that skip lockPhone (an operator's SQL) can still race us: one retry then sees their row. */
async function retryOnConflict<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
    return run()
  }
}

export interface PhoneLogin {
  user: UserRow
  created: boolean
  linked: boolean
  bound: boolean
  movedFrom?: string
}

/**
 * Rule 2: the phone's account becomes the user. It takes this WeChat identity and, with it, the person's
 * identities in the developer account's other apps (same unionid), so that rule 1 keeps leading them here.
 * No account holds the phone: it is bound to the identity's user, created unless Login Only Mode.
 */
export function phoneLoginAccount(
  deps: Deps,
  connection: Connection,
  s: WeChatSession,
  phone: string,
): Promise<PhoneLogin> {
  const now = deps.now()
  const sessionKeyEnc = deps.sealer.seal(s.sessionKey, 'session_key')
  return retryOnConflict(() =>
    deps.db.transaction(async (tx): Promise<PhoneLogin> => {
      // Phone first, then the person (the key identities.ts locks on), so code logins, which take only the
      // person's lock, never wait in a cycle with us.
      await lockPhone(tx, phone)
      const personKey = personLockKey(connection.appId, s)
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${personKey}))`)
      const [holder] = await tx.select({ id: users.id }).from(users).where(eq(users.phone, phone))
      const thisIdentity = and(
        eq(wechatIdentities.appid, connection.appId),
        eq(wechatIdentities.openid, s.openid),
      )
      const [identity] = await tx.select().from(wechatIdentities).where(thisIdentity)
      const [sibling] =
        identity || !s.unionid
          ? []
          : await tx
              .select({ userId: wechatIdentities.userId })
              .from(wechatIdentities)
              .where(eq(wechatIdentities.unionid, s.unionid))
              .limit(1)
      const previous = identity?.userId ?? sibling?.userId
      let userId = holder?.id ?? previous
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
      if (s.unionid && previous && previous !== userId)
        await tx
          .update(wechatIdentities)
          .set({ userId, updatedAt: now })
          .where(and(eq(wechatIdentities.unionid, s.unionid), ne(wechatIdentities.userId, userId)))
      const [user] = await tx
        .update(users)
        .set({ loginCount: sql`${users.loginCount} + 1`, lastLoginAt: now })
        .where(eq(users.id, userId))
        .returning()
      const movedFrom = previous && previous !== userId ? previous : undefined
      const linked = !created && identity?.userId !== userId
      return { user: user!, created, linked, bound: !holder, movedFrom }
    }),
  )
}

/** Binds a phone to a user: 409 phone_taken if another account holds it. False when it already had it. */
export function bindToUser(deps: Deps, userId: string, phone: string, now: Date): Promise<boolean> {
  return retryOnConflict(() =>
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
}
