// The database schema: every table of the service. Migrations are generated from this file
// with `npm run db:generate` (drizzle-kit) and committed under service/db/migrations.
import {
  bigint,
  bigserial,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** E.164, e.g. +8613800138000; unique when present. */
    phone: text('phone'),
    nickname: text('nickname'),
    avatar: text('avatar'),
    /** 'male' | 'female' | 'unknown' */
    gender: text('gender').notNull().default('unknown'),
    /** 'active' | 'blocked' */
    status: text('status').notNull().default('active'),
    loginCount: integer('login_count').notNull().default(0),
    lastLoginAt: ts('last_login_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_phone_key').on(t.phone),
    index('users_created_at_idx').on(t.createdAt.desc(), t.id.desc()),
    index('users_nickname_idx').on(t.nickname.op('text_pattern_ops')),
  ],
)

export const wechatIdentities = pgTable(
  'wechat_identities',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    connection: text('connection').notNull(),
    appid: text('appid').notNull(),
    openid: text('openid').notNull(),
    unionid: text('unionid'),
    /** The latest session_key, sealed with MASTER_KEY (see service/crypto/seal.ts). */
    sessionKeyEnc: text('session_key_enc'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('wechat_identities_appid_openid_key').on(t.appid, t.openid),
    index('wechat_identities_unionid_idx').on(t.unionid),
    index('wechat_identities_user_id_idx').on(t.userId),
  ],
)

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    connection: text('connection').notNull(),
    /**
     * Which API made the session: 'native' or 'authing'. Only Authing's sessions renew their access token
     * through Authing's refreshToken mutation (its SDK has no refresh token).
     */
    source: text('source').notNull().default('native'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastRefreshedAt: ts('last_refreshed_at').notNull().defaultNow(),
    /** The session ends here unless a refresh slides it forward. */
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    /** 'logout' | 'refresh_token_reused' | 'user_deleted' | 'user_blocked' | 'identity_moved' | 'admin' */
    revokedReason: text('revoked_reason'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** 'web' for a session a QR login gave a browser (its tokens carry `client: "web"`); null: the Mini Program's. */
    client: text('client'),
  },
  (t) => [
    index('sessions_user_id_idx').on(t.userId),
    // For pruning ended sessions (service/maintenance.ts).
    index('sessions_expires_at_idx').on(t.expiresAt),
  ],
)

/** Rotation lineage: every refresh token a session was given, by hash. `rotatedAt` null marks the live one. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    rotatedAt: ts('rotated_at'),
    /** The hash of the token this one was rotated into: a retry within the reuse interval rotates that one. */
    replacedBy: text('replaced_by'),
  },
  (t) => [
    index('refresh_tokens_session_id_idx').on(t.sessionId),
    index('refresh_tokens_expires_at_idx').on(t.expiresAt),
  ],
)

export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  /** The private JWK, sealed with MASTER_KEY. */
  privateJwkEnc: text('private_jwk_enc').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  /** Set when a newer key replaced this one; it stays in the JWKS until its last token expires. */
  retiredAt: ts('retired_at'),
})

/** One cached WeChat access token per appid, shared by every instance. */
export const wechatAccessTokens = pgTable('wechat_access_tokens', {
  appid: text('appid').primaryKey(),
  /** The token, sealed with MASTER_KEY. */
  tokenEnc: text('token_enc').notNull(),
  expiresAt: ts('expires_at').notNull(),
  fetchedAt: ts('fetched_at').notNull(),
  /** force_refresh bookkeeping: WeChat allows 20 a day, at least 30 s apart. */
  forcedDay: date('forced_day', { mode: 'string' }),
  forcedCount: integer('forced_count').notNull().default(0),
  lastForcedAt: ts('last_forced_at'),
})

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** e.g. login.succeeded, login.failed, token.refreshed, token.reuse_detected, session.revoked */
    type: text('type').notNull(),
    /** No foreign key: the event outlives a deleted user and keeps no personal data. */
    userId: text('user_id'),
    connection: text('connection'),
    ip: text('ip'),
    /** Non-secret detail: an error code, a session id. Never a token, key or phone number. */
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_events_user_id_idx').on(t.userId, t.id.desc()),
    index('audit_events_type_idx').on(t.type, t.id.desc()),
    index('audit_events_created_at_idx').on(t.createdAt),
  ],
)

/**
 * Rejected legacy encryptedData per WeChat identity, shared by every instance: the cap that keeps a caller
 * from probing their session_key's CBC decryption. One row per identity that ever sent data, reset an hour
 * after the window's first failure.
 */
export const legacyPhoneFailures = pgTable(
  'legacy_phone_failures',
  {
    appid: text('appid').notNull(),
    openid: text('openid').notNull(),
    windowStartedAt: ts('window_started_at').notNull(),
    /** Attempts in the window not (yet) proven good: charged before decrypting, refunded on success. */
    failures: integer('failures').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appid, t.openid] })],
)

/**
 * Web logins approved in the Mini Program (QR login). `id` is the code's scene; the browser's poll token is
 * kept only as a hash. `status`: pending → scanned → confirmed → delivered, or cancelled; expiry is
 * `expires_at`, not a status.
 */
export const qrLogins = pgTable(
  'qr_logins',
  {
    id: text('id').primaryKey(),
    connection: text('connection').notNull(),
    pollTokenHash: text('poll_token_hash').notNull(),
    status: text('status').notNull().default('pending'),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    lastPolledAt: ts('last_polled_at'),
    /** The one Mini Program user who scanned; only they may confirm or cancel. */
    scannedBy: text('scanned_by').references(() => users.id, { onDelete: 'cascade' }),
    scannedAt: ts('scanned_at'),
    decidedAt: ts('decided_at'),
    /** The web session the delivered tokens belong to. */
    sessionId: text('session_id'),
    /** Where the web page asked from, shown to the person approving. */
    ip: text('ip'),
    userAgent: text('user_agent'),
    origin: text('origin'),
  },
  (t) => [index('qr_logins_expires_at_idx').on(t.expiresAt)],
)

/**
 * The webhook endpoints of WEBHOOKS, written at start (service/webhooks/endpoints.ts) so that the database's
 * own triggers can fan a user change out to them in the change's transaction. Never the secret.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  /** `ep_` and a hash of the URL: stable across restarts. */
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  /** The event types it wants; null: all. */
  events: text('events').array(),
  createdAt: ts('created_at').notNull().defaultNow(),
})

/**
 * The outbox: one row per event and endpoint, inserted by the `users` triggers (migration 0004) in the
 * transaction of the change. `id` is the Standard Webhooks `webhook-id`, the same on every attempt.
 * `status`: pending → delivered, or failed after the last retry. A pending row is due at `next_attempt_at`
 * (null: at once); a worker claiming it moves that forward as a lease while it posts.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    /** The admin list's order and cursor. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    /**
     * No foreign key: its check would lock the endpoint's row in every inserting transaction (first logins
     * would share one row lock); endpoints.ts deletes the rows of an endpoint it removes.
     */
    endpointId: text('endpoint_id').notNull(),
    type: text('type').notNull(),
    /** No foreign key: user.deleted outlives the user. */
    userId: text('user_id'),
    /** The body as sent: `{type, timestamp, data}`. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at'),
    lastAttemptAt: ts('last_attempt_at'),
    /** The receiver's HTTP status at the last attempt, if it answered. */
    lastStatus: integer('last_status'),
    /** What went wrong at the last attempt: `http_<status>`, `timeout` or `connection_failed`. */
    lastError: text('last_error'),
    deliveredAt: ts('delivered_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt.asc().nullsFirst(), t.seq)
      .where(sql`status = 'pending'`),
    index('webhook_deliveries_status_idx').on(t.status, t.seq.desc()),
    index('webhook_deliveries_seq_idx').on(t.seq.desc()),
    index('webhook_deliveries_user_id_idx').on(t.userId),
  ],
)

/**
 * WeChat's authorization-change pushes already acted on, by what WeChat's retries repeat: a retry (or a
 * replay) of one finds its row and changes nothing. Pruned after a week (service/maintenance.ts).
 */
export const wechatPushEvents = pgTable(
  'wechat_push_events',
  {
    appid: text('appid').notNull(),
    openid: text('openid').notNull(),
    event: text('event').notNull(),
    /** WeChat's CreateTime, seconds. */
    createTime: bigint('create_time', { mode: 'number' }).notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.appid, t.openid, t.event, t.createTime] }),
    index('wechat_push_events_received_at_idx').on(t.receivedAt),
  ],
)

export const schema = {
  users,
  wechatIdentities,
  sessions,
  refreshTokens,
  signingKeys,
  wechatAccessTokens,
  auditEvents,
  legacyPhoneFailures,
  qrLogins,
  webhookEndpoints,
  webhookDeliveries,
  wechatPushEvents,
}
