// One user as the admin API shows it: the profile, every WeChat identity and the most recent sessions.
// Never the sealed session_key nor a refresh-token hash: the selections below name every column they send.
import { asc, desc, eq } from 'drizzle-orm'
import { publicUser } from '../accounts/users'
import type { Db } from '../db/client'
import { sessions, users, wechatIdentities } from '../db/schema'
import { AppError } from '../errors'
import { sessionState } from '../tokens/session-state'

/** A user logs in often and each login is a session: the detail shows the newest ones. */
export const MAX_SESSIONS = 100

export async function readUser(db: Db, userId: string, now: Date) {
  const [user] = await db.select().from(users).where(eq(users.id, userId))
  if (!user) throw new AppError('user_not_found', 'There is no user with this id.')
  const identities = await db
    .select({
      connection: wechatIdentities.connection,
      appId: wechatIdentities.appid,
      openid: wechatIdentities.openid,
      unionid: wechatIdentities.unionid,
      createdAt: wechatIdentities.createdAt,
    })
    .from(wechatIdentities)
    .where(eq(wechatIdentities.userId, userId))
    .orderBy(asc(wechatIdentities.createdAt), asc(wechatIdentities.id))
  const recent = await db
    .select({
      id: sessions.id,
      connection: sessions.connection,
      createdAt: sessions.createdAt,
      lastRefreshedAt: sessions.lastRefreshedAt,
      expiresAt: sessions.expiresAt,
      revokedAt: sessions.revokedAt,
      revokedReason: sessions.revokedReason,
      ip: sessions.ip,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.createdAt), desc(sessions.id))
    .limit(MAX_SESSIONS)
  return {
    ...publicUser(user),
    identities,
    // Usable now: a blocked user's sessions are refused until the unblock ends them.
    sessions: recent.map((s) => ({
      ...s,
      active: sessionState({ ...s, userStatus: user.status }, now) === 'live',
    })),
  }
}
