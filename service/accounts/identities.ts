// Finding and creating the account behind a WeChat identity: account rules 1 and 3 (docs/accounts.md).
// Rule 1: by (appid, openid); else by unionid (the same person in another Mini Program of the same
// developer account), linking this identity; else a new user, unless the connection is Login Only.
// Rule 3: concurrent first logins of one person in one app race on the (appid, openid) unique index and
// the loser becomes a returning login; across apps (one unionid) they serialize on the person's lock.
// A blocked account's login writes nothing. Locks follow the order of db/locks.ts.
import { sql, type SQL } from 'drizzle-orm'
import type { Connection } from '../config'
import { prepareSql, type Db } from '../db/client'
import { perDb } from '../db/per-db'
import { personLockKey } from '../db/locks'
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors'
import { AppError } from '../errors'
import type { WeChatSession } from '../wechat/client'
import type { PublicUser, UserRow } from './users'

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
  /** Allow creating a user (false: Login Only Mode). */
  allowCreate: boolean
  /** The session the login opens, written by the same statement with its first refresh token and audit row. */
  session: NewSession
}

/** What the login statement writes besides the account: the session, its refresh token, `login.succeeded`. */
export interface NewSession {
  id: string
  source: string
  expiresAt: Date
  /** The first refresh token's hash (tokens/create-session.ts keeps only hashes). */
  tokenHash: string
  ip: string | null
  userAgent: string | null
}

/** A users row as the driver returns it from hand-written SQL, with what the statement did. */
interface UserSqlRow extends Pick<
  PublicUser,
  'id' | 'phone' | 'nickname' | 'avatar' | 'gender' | 'status'
> {
  external_id: string | null
  login_count: number
  last_login_at: string | null
  created_at: string
  updated_at: string
  /**
   * returning, created, linked: the login went through. blocked: the account is not active, nothing was
   * written. stale: the identity moved or its user was deleted after the statement's snapshot; run it again.
   */
  outcome: 'returning' | 'created' | 'linked' | 'blocked' | 'stale'
}

const resolvedOf = (r: UserSqlRow): Resolved => ({
  user: {
    id: r.id,
    externalId: r.external_id,
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
  created: r.outcome === 'created',
  linked: r.outcome === 'linked',
})

const ph = sql.placeholder
// A parameter in a SELECT list has no column to take its type from: timestamps are cast.
const now = sql`${ph('now')}::timestamptz`

/** The new user of a first login, unless creating is off or `existing` finds the person's account. */
const createUser = (existing: SQL) => sql`
  INSERT INTO users (id, login_count, last_login_at, created_at, updated_at)
  SELECT ${ph('userId')}, 1, ${now}, ${now}, ${now}
  WHERE ${ph('create')}::boolean AND NOT EXISTS (${existing})
  RETURNING *
`

/**
 * Every code login is this one statement. A known identity: lock its user row first (the lock order of
 * db/locks.ts), and only if that user is active refresh the identity's session_key and count the login; a
 * blocked user gets a `blocked` row and nothing is written. An unknown one without a unionid (no other
 * app's user to look for), when `create`: insert the user and then the identity (its foreign key is checked
 * at the end of the statement). A concurrent first login of the same person fails here on the unique index,
 * and the retry finds the identity. An unknown one with a unionid: `login_union_identity` (migration
 * 0008_login_union_identity.sql) takes the person's lock and looks for their account in another app in
 * snapshots of its own, taken after the lock (rule 3), then links or, when `createUnion`, creates; the
 * LATERAL join calls it only when `ident` is empty. Whichever account the login lands on (`winner`), the
 * same statement opens its session, with the first refresh token and the `login.succeeded` audit row: one
 * round trip for the whole login, where the session took a statement of its own. A blocked or stale outcome
 * has no winner and writes no session.
 */
const loginSql = sql`WITH ident AS (
  SELECT user_id FROM wechat_identities WHERE appid = ${ph('appid')} AND openid = ${ph('openid')}
), owner AS (
  SELECT u.* FROM users u JOIN ident ON u.id = ident.user_id FOR UPDATE OF u
), touched AS (
  UPDATE wechat_identities i
  SET session_key_enc = ${ph('sessionKeyEnc')},
    unionid = coalesce(${ph('unionid')}, i.unionid), updated_at = ${now}
  FROM owner
  WHERE i.appid = ${ph('appid')} AND i.openid = ${ph('openid')} AND i.user_id = owner.id
    AND owner.status = 'active'
  RETURNING i.user_id
), bumped AS (
  UPDATE users SET login_count = login_count + 1, last_login_at = ${now}
  FROM touched WHERE users.id = touched.user_id
  RETURNING users.*
), created AS (${createUser(sql`SELECT 1 FROM ident`)}), identity AS (
  INSERT INTO wechat_identities
    (id, user_id, connection, appid, openid, session_key_enc, created_at, updated_at)
  SELECT ${ph('identityId')}, id, ${ph('connection')}, ${ph('appid')}, ${ph('openid')},
    ${ph('sessionKeyEnc')}, ${now}, ${now}
  FROM created
), person AS (
  SELECT ${ph('key')}::text AS key
  WHERE ${ph('unionid')}::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ident)
), union_login AS (
  SELECT r.* FROM person, LATERAL login_union_identity(
    person.key, ${ph('unionid')}, ${ph('appid')}, ${ph('openid')}, ${ph('connection')},
    ${ph('sessionKeyEnc')}, ${now}, ${ph('userId')}, ${ph('identityId')}, ${ph('createUnion')}
  ) r
), winner AS (
  SELECT id, 'returning' AS outcome FROM bumped
  UNION ALL SELECT id, 'created' FROM created
  UNION ALL SELECT (account).id, outcome FROM union_login WHERE outcome <> 'blocked'
), new_session AS (
  INSERT INTO sessions
    (id, user_id, connection, source, created_at, last_refreshed_at, expires_at, ip, user_agent)
  SELECT ${ph('sessionId')}, id, ${ph('connection')}, ${ph('source')}, ${now}, ${now},
    ${ph('expiresAt')}::timestamptz, ${ph('ip')}, ${ph('userAgent')}
  FROM winner
  RETURNING id
), new_token AS (
  INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)
  SELECT ${ph('tokenHash')}, id, ${now}, ${ph('expiresAt')}::timestamptz FROM new_session
), audited AS (
  INSERT INTO audit_events (type, user_id, connection, ip, detail, created_at)
  SELECT 'login.succeeded', id, ${ph('connection')}, ${ph('ip')},
    jsonb_build_object('method', 'code', 'created', outcome = 'created', 'linked', outcome = 'linked'),
    ${now}
  FROM winner
)
SELECT *, 'returning' AS outcome FROM bumped
UNION ALL SELECT *, 'created' FROM created
UNION ALL SELECT *, 'blocked' FROM owner WHERE owner.status <> 'active'
UNION ALL SELECT owner.*, 'stale' FROM ident LEFT JOIN owner ON true
  WHERE NOT EXISTS (SELECT 1 FROM touched) AND (owner.id IS NULL OR owner.status = 'active')
UNION ALL SELECT (account).*, outcome FROM union_login`

const loginStatement = perDb((db) => prepareSql<UserSqlRow>(db, 'login_identity', loginSql))

const signupDisabled = () =>
  new AppError('signup_disabled', 'New accounts cannot sign up through this connection.')

/**
 * Finds or creates the user for this WeChat identity (rules 1 and 3) and opens the session, in one statement:
 * the session, its first refresh token and `login.succeeded` are written only when the login goes through.
 */
export async function resolveIdentity(
  db: Db,
  connection: Connection,
  s: WeChatSession,
  o: ResolveOptions,
): Promise<Resolved> {
  const statement = loginStatement(db)
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
    createUnion: o.allowCreate,
    key: personLockKey(connection.appId, s),
    sessionId: o.session.id,
    source: o.session.source,
    expiresAt: o.session.expiresAt.toISOString(),
    tokenHash: o.session.tokenHash,
    ip: o.session.ip,
    userAgent: o.session.userAgent,
  }
  // A unique violation (another first login of this person inserted the identity first) or a stale snapshot
  // (a phone login moved the identity, or the user was deleted, while we waited for the user's row lock):
  // the next attempt sees the new state.
  for (let attempt = 1; ; attempt++) {
    let found: UserSqlRow | undefined
    try {
      ;[found] = await statement(values)
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue
      // The session's user was gone at the end of the statement (its row lock makes that a defect, not a race).
      if (isForeignKeyViolation(err))
        throw new AppError('user_not_found', 'The account was deleted while logging in.')
      throw err
    }
    if (!found) throw signupDisabled()
    if (found.outcome === 'blocked') throw new AppError('user_blocked', 'This account is blocked.')
    if (found.outcome !== 'stale') return resolvedOf(found)
    if (attempt >= 3) throw staleTooOften()
  }
}

const staleTooOften = () =>
  new AppError('database_unavailable', 'The account changed while logging in; try again.', {
    retryAfter: 1,
  })
