// Finding and creating the account behind a WeChat identity: DESIGN.md's account rules 1 and 3.
// Rule 1: by (appid, openid); else by unionid (the same person in another Mini Program of the same
// developer account), linking this identity; else a new user, unless the connection is Login Only.
// Rule 3: concurrent first logins of one person serialize on an advisory lock keyed by that person.
import { and, eq, isNotNull, sql } from 'drizzle-orm'
import type { Connection } from '../config'
import type { Db } from '../db/client'
import { users, wechatIdentities } from '../db/schema'
import { AppError } from '../errors'
import type { WeChatSession } from '../wechat/client'
import type { UserRow } from './users'

export interface Resolved {
  user: UserRow
  created: boolean
  linked: boolean
}

export interface ResolveOptions {
  now: Date
  randomId: () => string
  /** The sealed session_key to store on the identity. */
  sessionKeyEnc: string
  /** Allow creating a user (false: Login Only Mode, or a phone login that will pick the user itself). */
  allowCreate: boolean
}

/** One prepared statement: refresh the identity's session_key and count the login, returning the user. */
function returningLoginStatement(db: Db) {
  const touched = db.$with('touched').as(
    db
      .update(wechatIdentities)
      .set({
        sessionKeyEnc: sql`${sql.placeholder('sessionKeyEnc')}`,
        unionid: sql`coalesce(${sql.placeholder('unionid')}, ${wechatIdentities.unionid})`,
        updatedAt: sql`${sql.placeholder('now')}`,
      })
      .where(
        and(
          eq(wechatIdentities.appid, sql.placeholder('appid')),
          eq(wechatIdentities.openid, sql.placeholder('openid')),
        ),
      )
      .returning({ userId: wechatIdentities.userId }),
  )
  return db
    .with(touched)
    .update(users)
    .set({ loginCount: sql`${users.loginCount} + 1`, lastLoginAt: sql`${sql.placeholder('now')}` })
    .from(touched)
    .where(eq(users.id, touched.userId))
    .returning()
    .prepare('login_returning_user')
}

const statements = new WeakMap<Db, ReturnType<typeof returningLoginStatement>>()

export async function touchReturningIdentity(
  db: Db,
  appid: string,
  s: WeChatSession,
  o: Pick<ResolveOptions, 'now' | 'sessionKeyEnc'>,
): Promise<UserRow | undefined> {
  let statement = statements.get(db)
  if (!statement) statements.set(db, (statement = returningLoginStatement(db)))
  const [row] = await statement.execute({
    appid,
    openid: s.openid,
    unionid: s.unionid ?? null,
    sessionKeyEnc: o.sessionKeyEnc,
    now: o.now.toISOString(),
  })
  return row as UserRow | undefined
}

/** Finds or creates the user for this WeChat identity (rules 1 and 3). */
export async function resolveIdentity(
  db: Db,
  connection: Connection,
  s: WeChatSession,
  o: ResolveOptions,
): Promise<Resolved> {
  const returning = await touchReturningIdentity(db, connection.appId, s, o)
  if (returning) return { user: returning, created: false, linked: false }

  return db.transaction(async (tx) => {
    // The same person: one unionid across apps, else one openid within this app.
    const personKey = s.unionid ? `u:${s.unionid}` : `o:${connection.appId}:${s.openid}`
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${personKey}))`)
    const again = await touchReturningIdentity(tx, connection.appId, s, o)
    if (again) return { user: again, created: false, linked: false }

    let userId: string | undefined
    if (s.unionid) {
      const [sibling] = await tx
        .select({ userId: wechatIdentities.userId })
        .from(wechatIdentities)
        .where(and(eq(wechatIdentities.unionid, s.unionid), isNotNull(wechatIdentities.unionid)))
        .limit(1)
      userId = sibling?.userId
    }
    const linked = userId !== undefined
    if (!userId) {
      if (!o.allowCreate)
        throw new AppError(
          'signup_disabled',
          'New accounts cannot sign up through this connection.',
        )
      userId = o.randomId()
      await tx.insert(users).values({ id: userId, createdAt: o.now, updatedAt: o.now })
    }
    await tx.insert(wechatIdentities).values({
      id: o.randomId(),
      userId,
      connection: connection.id,
      appid: connection.appId,
      openid: s.openid,
      unionid: s.unionid ?? null,
      sessionKeyEnc: o.sessionKeyEnc,
      createdAt: o.now,
      updatedAt: o.now,
    })
    const [user] = await tx
      .update(users)
      .set({ loginCount: sql`${users.loginCount} + 1`, lastLoginAt: o.now })
      .where(eq(users.id, userId))
      .returning()
    return { user: user!, created: !linked, linked }
  })
}
