// Finding and creating the account behind a WeChat identity: DESIGN.md's account rules 1 and 3.
// Rule 1: by (appid, openid); else by unionid (the same person in another Mini Program of the same
// developer account), linking this identity; else a new user, unless the connection is Login Only.
// Rule 3: concurrent first logins of one person in one app race on the (appid, openid) unique index and
// the loser becomes a returning login; across apps (one unionid) they serialize on an advisory lock.
import { sql } from 'drizzle-orm'
import type { Connection } from '../config'
import { prepareSql, type Db } from '../db/client'
import { isUniqueViolation } from '../db/errors'
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

/** A users row as the driver returns it from hand-written SQL, with the flags the statements add. */
interface UserSqlRow {
  id: string
  phone: string | null
  nickname: string | null
  avatar: string | null
  gender: string
  status: string
  login_count: number
  last_login_at: string | null
  created_at: string
  updated_at: string
  created: boolean
  linked: boolean
}

const resolvedOf = (r: UserSqlRow): Resolved => ({
  user: {
    id: r.id,
    phone: r.phone,
    nickname: r.nickname,
    avatar: r.avatar,
    gender: r.gender,
    status: r.status,
    loginCount: r.login_count,
    lastLoginAt: r.last_login_at === null ? null : new Date(r.last_login_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  },
  created: r.created,
  linked: r.linked,
})

const ph = sql.placeholder
// A parameter in a SELECT list has no column to take its type from: timestamps are cast.
const now = sql`${ph('now')}::timestamptz`

/**
 * Every code login starts here, in one statement: refresh a known identity's session_key and count the
 * login; for an unknown one, when `create` (no unionid, so no other app's user to look for), insert the
 * user and then the identity (its foreign key is checked at the end of the statement). A concurrent first
 * login of the same person fails here on the unique index, and the retry finds the identity.
 */
const loginSql = sql`WITH touched AS (
  UPDATE wechat_identities
  SET session_key_enc = ${ph('sessionKeyEnc')},
    unionid = coalesce(${ph('unionid')}, unionid), updated_at = ${now}
  WHERE appid = ${ph('appid')} AND openid = ${ph('openid')}
  RETURNING user_id
), bumped AS (
  UPDATE users SET login_count = login_count + 1, last_login_at = ${now}
  FROM touched WHERE users.id = touched.user_id
  RETURNING users.*
), created AS (
  INSERT INTO users (id, login_count, last_login_at, created_at, updated_at)
  SELECT ${ph('userId')}, 1, ${now}, ${now}, ${now}
  WHERE ${ph('create')}::boolean AND NOT EXISTS (SELECT 1 FROM touched)
  RETURNING *
), identity AS (
  INSERT INTO wechat_identities
    (id, user_id, connection, appid, openid, session_key_enc, created_at, updated_at)
  SELECT ${ph('identityId')}, id, ${ph('connection')}, ${ph('appid')}, ${ph('openid')},
    ${ph('sessionKeyEnc')}, ${now}, ${now}
  FROM created
)
SELECT *, false AS created, false AS linked FROM bumped
UNION ALL SELECT *, true, false FROM created`

/**
 * A new identity with a unionid, run after the person's lock: link it to the user of the person's identity
 * in another app if there is one (and count the login), else create the user when allowed. The identity is
 * inserted before the user row is updated: the order in which the login statement locks them, so that the
 * two never wait on each other in a cycle.
 */
const unionSql = sql`WITH sibling AS (
  SELECT user_id FROM wechat_identities WHERE unionid = ${ph('unionid')} LIMIT 1
), created AS (
  INSERT INTO users (id, login_count, last_login_at, created_at, updated_at)
  SELECT ${ph('userId')}, 1, ${now}, ${now}, ${now}
  WHERE ${ph('create')}::boolean AND NOT EXISTS (SELECT 1 FROM sibling)
  RETURNING *
), identity AS (
  INSERT INTO wechat_identities
    (id, user_id, connection, appid, openid, unionid, session_key_enc, created_at, updated_at)
  SELECT ${ph('identityId')}, owner.user_id, ${ph('connection')}, ${ph('appid')}, ${ph('openid')},
    ${ph('unionid')}, ${ph('sessionKeyEnc')}, ${now}, ${now}
  FROM (SELECT user_id FROM sibling UNION ALL SELECT id FROM created) owner
  RETURNING user_id
), linked AS (
  UPDATE users SET login_count = login_count + 1, last_login_at = ${now}
  FROM sibling JOIN identity ON identity.user_id = sibling.user_id
  WHERE users.id = sibling.user_id
  RETURNING users.*
)
SELECT *, false AS created, true AS linked FROM linked
UNION ALL SELECT *, true, false FROM created`

const lockSql = sql`SELECT pg_advisory_xact_lock(hashtext(${ph('key')}))`

/**
 * The advisory-lock key of one person: their unionid across apps, else their openid within one app. Every
 * writer that may create or move a person's identity (code and phone logins) locks this same key.
 */
export const personLockKey = (appId: string, s: Pick<WeChatSession, 'openid' | 'unionid'>) =>
  s.unionid ? `u:${s.unionid}` : `o:${appId}:${s.openid}`

const loginStatement = (db: Db) => prepareSql<UserSqlRow>(db, 'login_identity', loginSql)
const statements = new WeakMap<Db, ReturnType<typeof loginStatement>>()

const signupDisabled = () =>
  new AppError('signup_disabled', 'New accounts cannot sign up through this connection.')

/**
 * The person's other apps are looked up only after the lock, in the next statement's snapshot: both are
 * sent at once, so the transaction costs BEGIN, one exchange, and COMMIT.
 */
function loginWithUnionid(db: Db, values: Record<string, unknown>, key: string) {
  return db.transaction(async (tx) => {
    const [, [row]] = await Promise.all([
      prepareSql(tx, 'person_lock', lockSql)({ key }),
      prepareSql<UserSqlRow>(tx, 'login_union_identity', unionSql)(values),
    ])
    return row
  })
}

/** Finds or creates the user for this WeChat identity (rules 1 and 3). */
export async function resolveIdentity(
  db: Db,
  connection: Connection,
  s: WeChatSession,
  o: ResolveOptions,
): Promise<Resolved> {
  let statement = statements.get(db)
  if (!statement) statements.set(db, (statement = loginStatement(db)))
  const values = {
    appid: connection.appId,
    openid: s.openid,
    unionid: s.unionid ?? null,
    connection: connection.id,
    sessionKeyEnc: o.sessionKeyEnc,
    now: o.now.toISOString(),
    userId: o.randomId(),
    identityId: o.randomId(),
    create: o.allowCreate && !s.unionid,
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const [row] = await statement(values)
      if (row) return resolvedOf(row)
      if (!s.unionid) throw signupDisabled()
      const union = await loginWithUnionid(
        db,
        { ...values, create: o.allowCreate },
        personLockKey(connection.appId, s),
      )
      if (union) return resolvedOf(union)
      throw signupDisabled()
    } catch (err) {
      // Another first login of this person inserted the identity first: the retry touches it.
      if (attempt > 0 || !isUniqueViolation(err)) throw err
    }
  }
}
