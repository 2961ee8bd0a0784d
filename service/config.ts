// loadConfig(env): the only reader of the environment. Collects every problem into one message and returns
// a frozen, typed object. docs/configuration.md documents each key; the defaults are in config-defaults.ts.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { defaults, type IntegerVariable } from './config-defaults'
import { webhookEventTypes, type WebhookEndpoint } from './webhooks/types'

export interface Connection {
  /** Stable identifier in URLs and tokens (`azp`): lowercase letters, digits and `-`, under 32 characters. */
  readonly id: string
  readonly displayName: string
  /** The Mini Program's AppID (`wx` + 16 hex). Also the `aud` of the tokens issued for it. */
  readonly appId: string
  readonly appSecret: string
  /** Login Only Mode: never create an account through this connection. */
  readonly loginOnly: boolean
  /** Authing's app id (`x-authing-app-id`) that maps to this connection in the compatibility layer. */
  readonly authingAppId?: string
  /** Accept the legacy `{encryptedData, iv}` phone form (authing-wxapp-sdk sends only that). */
  readonly legacyPhoneData: boolean
  /** The Mini Program page a web login's code opens (no leading `/`); absent: QR login is off. */
  readonly qrLoginPage?: string
  /** Which version of the Mini Program the code opens. */
  readonly qrLoginEnvVersion: 'release' | 'trial' | 'develop'
  /** Origins (`https://admin.example.com`) whose pages may start and poll a QR login. */
  readonly webOrigins: readonly string[]
  /** The Token of 消息推送: WeChat's pushes are signed with it; absent, the push URL answers 404. */
  readonly pushToken?: string
  /** The EncodingAESKey of 消息推送, for safe mode; present, unencrypted pushes are refused. */
  readonly encodingAesKey?: string
}

export interface DatabaseParts {
  host: string
  port: number
  name: string
  user: string
  password: string
}

export interface HttpLimits {
  readonly headersTimeoutMs: number // HTTP_HEADERS_TIMEOUT_MS
  readonly requestTimeoutMs: number // HTTP_REQUEST_TIMEOUT_MS
  readonly keepAliveTimeoutMs: number // HTTP_KEEP_ALIVE_TIMEOUT_MS
  readonly maxConnections: number // HTTP_MAX_CONNECTIONS
}

/**
 * CLIENT_ADDRESS_HEADER (absent: the TCP peer) and CLIENT_ADDRESS_HOPS. Only the hops the
 * deployment controls are believed: for X-Forwarded-For, the entry that many places from the right, since
 * each proxy appends the address it was called from and everything to the left is the caller's to write.
 */
export interface ClientAddressSource {
  readonly header?: 'cloudfront-viewer-address' | 'x-forwarded-for'
  readonly hops: number
}

export interface Config {
  readonly port: number // PORT
  readonly publicUrl: string // PUBLIC_URL (absent: http://localhost:$PORT); the JWT issuer
  /** DATABASE_URL, or one built from DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD; absent: PGlite. */
  readonly databaseUrl?: string
  /** DB_SSL_CA: a PEM file of the CA to trust for the database's TLS instead of Amazon RDS's bundle. */
  readonly databaseCaFile?: string
  /** How long opening a database connection may take: long enough for a paused Aurora to resume. */
  readonly databaseConnectTimeoutSeconds: number // DB_CONNECT_TIMEOUT
  readonly dataDir: string // DATA_DIR
  readonly wechatApiBaseUrl: string // WECHAT_API_BASE_URL
  readonly wechatTimeoutMs: number // WECHAT_TIMEOUT_MS
  readonly connections: readonly Connection[]
  /** MASTER_KEY, 32 bytes. Absent only outside production: then generated into DATA_DIR. */
  readonly masterKey?: Buffer
  readonly adminApiKey?: string // ADMIN_API_KEY; absent: the admin API is off
  readonly accessTokenTtlSeconds: number // ACCESS_TOKEN_TTL
  readonly refreshTokenTtlSeconds: number // REFRESH_TOKEN_TTL
  /** No session outlives this, however often it is refreshed. */
  readonly sessionMaxLifetimeSeconds: number // SESSION_MAX_LIFETIME
  /** A retry of the just-rotated refresh token within this gets a new pair instead of revoking; 0: off. */
  readonly refreshReuseIntervalSeconds: number // REFRESH_REUSE_INTERVAL
  /** Audit events older than this are deleted; 0 keeps them forever. */
  readonly auditRetentionDays: number // AUDIT_RETENTION_DAYS
  /** How often each instance prunes expired rows; each round wakes a database that pauses when idle. */
  readonly maintenanceIntervalSeconds: number // MAINTENANCE_INTERVAL
  readonly logLevel: string // LOG_LEVEL: pino's level, checked at start
  /** Login and phone calls per client IP (IPv6: per /64) per minute, per instance; 0: no limit. */
  readonly rateLimitIpPerMinute: number // RATE_LIMIT_IP_PER_MINUTE
  /** The same per connection. */
  readonly rateLimitConnectionPerMinute: number // RATE_LIMIT_CONNECTION_PER_MINUTE
  /** POST /v1/token calls per client IP per minute, per instance; 0: no limit. */
  readonly rateLimitRefreshIpPerMinute: number // RATE_LIMIT_REFRESH_IP_PER_MINUTE
  /** POST /graphql/v2 calls per client IP per minute, per instance; 0: no limit. */
  readonly rateLimitGraphqlIpPerMinute: number // RATE_LIMIT_GRAPHQL_IP_PER_MINUTE
  /** The HTTP server's defences against slow and numerous clients (service/server.ts). */
  readonly http: HttpLimits
  /** Rejected legacy encryptedData per WeChat identity per hour, across instances; then refused. */
  readonly legacyPhoneFailuresPerHour: number // LEGACY_PHONE_FAILURES_PER_HOUR
  /** Where the client IP comes from: the TCP peer unless a proxy the deployment controls sets a header. */
  readonly clientAddress: ClientAddressSource
  readonly qrLoginTtlSeconds: number // QR_LOGIN_TTL: how long a web login's code lives
  readonly qrLoginIntervalSeconds: number // QR_LOGIN_INTERVAL: the web page's poll interval
  /** WEBHOOKS: the customer's backends that receive user events (service/webhooks/); absent: none. */
  readonly webhooks: readonly WebhookEndpoint[]
  /** How long a webhook receiver has to answer before the attempt counts as failed. */
  readonly webhookTimeoutMs: number // WEBHOOK_TIMEOUT_MS
  /** How often each instance looks for due webhook deliveries: the delay before a new event is sent. */
  readonly webhookPollMs: number // WEBHOOK_POLL_MS
  /** Live sessions (and as many profiles) each instance keeps in memory (tokens/session-cache.ts); 0: off. */
  readonly sessionCacheSize: number // SESSION_CACHE_SIZE
  /** How long an entry is kept: the most a profile's loginCount can lag a login on another instance. */
  readonly sessionCacheTtlSeconds: number // SESSION_CACHE_TTL
  readonly production: boolean // NODE_ENV === 'production'
}

const connectionId = z
  .string()
  .regex(/^[a-z0-9-]{1,31}$/, 'must be lowercase letters, digits and "-", fewer than 32 characters')

/** An origin exactly as browsers send it: scheme, host and port only; http only for loopback hosts. */
const webOrigin = z.string().refine((v) => {
  if (!URL.canParse(v)) return false
  const u = new URL(v)
  if (u.origin !== v) return false
  return u.protocol === 'https:' || /^(localhost|127\.0\.0\.1|\[::1\])$/.test(u.hostname)
}, 'must be an origin like https://admin.example.com (http only for localhost)')

const connectionSchema = z.strictObject({
  id: connectionId,
  displayName: z.string().min(1).max(64).optional(),
  appId: z.string().regex(/^wx[0-9a-f]{16}$/, 'must look like wx followed by 16 hex digits'),
  appSecret: z.string().min(1, 'must not be empty'),
  loginOnly: z.boolean().default(false),
  authingAppId: z.string().min(1).optional(),
  legacyPhoneData: z.boolean().default(true),
  // getwxacodeunlimit's `page`: a page path without a leading "/" or a query:
  // https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html
  qrLoginPage: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/, 'must be a page path like pages/qr-login/index')
    .max(128)
    .optional(),
  qrLoginEnvVersion: z.enum(['release', 'trial', 'develop']).default('release'),
  webOrigins: z.array(webOrigin).max(20).default([]),
  // What the console accepts: a Token of 3-32 letters and digits, an EncodingAESKey of 43 (the key's base64).
  pushToken: z
    .string()
    .regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3 to 32 letters and digits, as in the WeChat console')
    .optional(),
  encodingAesKey: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43 letters and digits of the WeChat console')
    .optional(),
})

const loopback = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/

const webhookSchema = z.strictObject({
  url: z.string().refine((v) => {
    if (!URL.canParse(v)) return false
    const u = new URL(v)
    if (u.username || u.password) return false
    return u.protocol === 'https:' || (u.protocol === 'http:' && loopback.test(u.hostname))
  }, 'must be an https URL without credentials (http only for localhost and 127.0.0.1)'),
  // Standard Webhooks: whsec_ and base64 of 24 to 64 random bytes.
  secret: z.string().refine((v) => {
    const raw = v.startsWith('whsec_') ? v.slice(6) : ''
    const key = Buffer.from(raw, 'base64')
    return /^[A-Za-z0-9+/]+={0,2}$/.test(raw) && key.length >= 24 && key.length <= 64
  }, 'must be whsec_ followed by base64 of 24 to 64 random bytes (whsec_$(openssl rand -base64 32))'),
  events: z.array(z.enum(webhookEventTypes)).min(1).optional(),
})

type Env = Record<string, string | undefined>

class Problems {
  readonly list: string[] = []
  add(variable: string, what: string) {
    this.list.push(`${variable} ${what}`)
  }
}

/** The bounds of each whole-number variable; its default is in config-defaults.ts. */
const bounds: Record<IntegerVariable, { min: number; max: number }> = {
  CLIENT_ADDRESS_HOPS: { min: 1, max: 10 },
  DB_PORT: { min: 1, max: 65535 },
  HTTP_HEADERS_TIMEOUT_MS: { min: 1000, max: 300_000 },
  HTTP_REQUEST_TIMEOUT_MS: { min: 1000, max: 3_600_000 },
  HTTP_KEEP_ALIVE_TIMEOUT_MS: { min: 1000, max: 3_600_000 },
  HTTP_MAX_CONNECTIONS: { min: 1, max: 1_000_000 },
  PORT: { min: 0, max: 65535 },
  WECHAT_TIMEOUT_MS: { min: 100, max: 60000 },
  ACCESS_TOKEN_TTL: { min: 60, max: 86400 },
  REFRESH_TOKEN_TTL: { min: 3600, max: 31536000 },
  SESSION_MAX_LIFETIME: { min: 3600, max: 31536000 },
  REFRESH_REUSE_INTERVAL: { min: 0, max: 60 },
  AUDIT_RETENTION_DAYS: { min: 0, max: 36500 },
  RATE_LIMIT_IP_PER_MINUTE: { min: 0, max: 1e6 },
  RATE_LIMIT_CONNECTION_PER_MINUTE: { min: 0, max: 1e7 },
  RATE_LIMIT_REFRESH_IP_PER_MINUTE: { min: 0, max: 1e6 },
  RATE_LIMIT_GRAPHQL_IP_PER_MINUTE: { min: 0, max: 1e6 },
  LEGACY_PHONE_FAILURES_PER_HOUR: { min: 1, max: 1000 },
  QR_LOGIN_TTL: { min: 30, max: 600 },
  QR_LOGIN_INTERVAL: { min: 1, max: 10 },
  DB_CONNECT_TIMEOUT: { min: 1, max: 120 },
  MAINTENANCE_INTERVAL: { min: 60, max: 604_800 },
  WEBHOOK_TIMEOUT_MS: { min: 100, max: 60_000 },
  WEBHOOK_POLL_MS: { min: 50, max: 60_000 },
  SESSION_CACHE_SIZE: { min: 0, max: 1_000_000 },
  SESSION_CACHE_TTL: { min: 1, max: 3600 },
}

/** A whole number within its bounds, or its default when unset (a problem, and the default, when invalid). */
function integer(env: Env, p: Problems, name: IntegerVariable): number {
  const { min, max } = bounds[name]
  const fallback = defaults[name]
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    p.add(name, `must be a whole number from ${min} to ${max} (got "${raw}")`)
    return fallback
  }
  return n
}

function boolean(env: Env, name: string, p: Problems): boolean {
  const raw = (env[name] ?? '').toLowerCase()
  if (raw === '' || raw === 'false' || raw === '0') return false
  if (raw === 'true' || raw === '1') return true
  p.add(name, `must be true or false (got "${env[name]}")`)
  return false
}

const ADDRESS_HEADERS = ['cloudfront-viewer-address', 'x-forwarded-for'] as const

function readClientAddress(env: Env, p: Problems): ClientAddressSource {
  const hops = integer(env, p, 'CLIENT_ADDRESS_HOPS')
  const raw = (env.CLIENT_ADDRESS_HEADER ?? '').toLowerCase()
  // The older switch, kept so existing deployments keep their meaning.
  const legacy = boolean(env, 'TRUST_CLOUDFRONT_VIEWER_ADDRESS', p)
  if (raw && !(ADDRESS_HEADERS as readonly string[]).includes(raw)) {
    p.add(
      'CLIENT_ADDRESS_HEADER',
      `must be ${ADDRESS_HEADERS.join(' or ')} (got "${env.CLIENT_ADDRESS_HEADER}")`,
    )
    return { hops }
  }
  if (legacy && raw && raw !== 'cloudfront-viewer-address')
    p.add(
      'TRUST_CLOUDFRONT_VIEWER_ADDRESS',
      `contradicts CLIENT_ADDRESS_HEADER=${raw}; set only one`,
    )
  const header = (raw || (legacy ? 'cloudfront-viewer-address' : undefined)) as
    ClientAddressSource['header'] | undefined
  return header ? { header, hops } : { hops }
}

/** The shorthand variables whose value is one connection key, so that a problem names the variable set. */
const shorthandVariables: Record<string, string> = {
  pushToken: 'WECHAT_PUSH_TOKEN',
  encodingAesKey: 'WECHAT_ENCODING_AES_KEY',
}

function describeIssues(variable: string, error: z.ZodError, p: Problems, shorthand = false) {
  for (const issue of error.issues) {
    const own = shorthand && shorthandVariables[String(issue.path[0])]
    if (own) p.add(own, issue.message)
    else p.add(`${variable}${issue.path.length ? `[${issue.path.join('.')}]` : ''}`, issue.message)
  }
}

function readConnections(env: Env, p: Problems): Connection[] {
  const raw: unknown[] = []
  if (env.WECHAT_CONNECTIONS) {
    try {
      const parsed: unknown = JSON.parse(env.WECHAT_CONNECTIONS)
      if (Array.isArray(parsed)) raw.push(...parsed)
      else p.add('WECHAT_CONNECTIONS', 'must be a JSON array of connections')
    } catch {
      p.add('WECHAT_CONNECTIONS', 'is not valid JSON')
    }
  }
  const single = env.WECHAT_APP_ID || env.WECHAT_APP_SECRET
  if (single) {
    if (!env.WECHAT_APP_ID) p.add('WECHAT_APP_ID', 'is required when WECHAT_APP_SECRET is set')
    if (!env.WECHAT_APP_SECRET) p.add('WECHAT_APP_SECRET', 'is required when WECHAT_APP_ID is set')
    raw.push({
      id: env.WECHAT_CONNECTION || defaults.WECHAT_CONNECTION,
      appId: env.WECHAT_APP_ID ?? '',
      appSecret: env.WECHAT_APP_SECRET ?? '',
      loginOnly: boolean(env, 'WECHAT_LOGIN_ONLY', p),
      ...(env.WECHAT_AUTHING_APP_ID ? { authingAppId: env.WECHAT_AUTHING_APP_ID } : {}),
      ...(env.WECHAT_LEGACY_PHONE_DATA
        ? { legacyPhoneData: boolean(env, 'WECHAT_LEGACY_PHONE_DATA', p) }
        : {}),
      ...(env.WECHAT_QR_LOGIN_PAGE ? { qrLoginPage: env.WECHAT_QR_LOGIN_PAGE } : {}),
      ...(env.WECHAT_QR_LOGIN_ENV_VERSION
        ? { qrLoginEnvVersion: env.WECHAT_QR_LOGIN_ENV_VERSION }
        : {}),
      // Comma-separated: an environment variable is one line.
      ...(env.WECHAT_WEB_ORIGINS
        ? { webOrigins: env.WECHAT_WEB_ORIGINS.split(',').map((o) => o.trim()) }
        : {}),
      ...(env.WECHAT_PUSH_TOKEN ? { pushToken: env.WECHAT_PUSH_TOKEN } : {}),
      ...(env.WECHAT_ENCODING_AES_KEY ? { encodingAesKey: env.WECHAT_ENCODING_AES_KEY } : {}),
    })
  }
  const connections: Connection[] = []
  raw.forEach((item, i) => {
    const shorthand = !!single && i === raw.length - 1
    const variable = shorthand ? 'WECHAT_APP_ID/WECHAT_APP_SECRET' : `WECHAT_CONNECTIONS[${i}]`
    const result = connectionSchema.safeParse(item)
    if (!result.success) return describeIssues(variable, result.error, p, shorthand)
    const c = result.data
    if (c.encodingAesKey && !c.pushToken)
      p.add(
        shorthand ? 'WECHAT_ENCODING_AES_KEY' : `${variable}[encodingAesKey]`,
        `needs ${shorthand ? 'WECHAT_PUSH_TOKEN' : 'a pushToken'} too: WeChat signs every push with the Token`,
      )
    if (connections.some((other) => other.id === c.id))
      p.add(variable, `repeats the connection id "${c.id}"`)
    // One Mini Program, two connections: tokens, identities and the shared WeChat access token are per AppID.
    const twin = connections.find((other) => other.appId === c.appId)
    if (twin) p.add(variable, `repeats the AppID ${c.appId} of connection "${twin.id}"`)
    connections.push(Object.freeze({ ...c, displayName: c.displayName ?? c.id }))
  })
  return connections
}

function readWebhooks(env: Env, p: Problems): WebhookEndpoint[] {
  if (!env.WEBHOOKS) return []
  let raw: unknown
  try {
    raw = JSON.parse(env.WEBHOOKS)
  } catch {
    p.add('WEBHOOKS', 'is not valid JSON')
    return []
  }
  if (!Array.isArray(raw)) {
    p.add('WEBHOOKS', 'must be a JSON array of {url, secret, events?}')
    return []
  }
  const endpoints: WebhookEndpoint[] = []
  raw.forEach((item, i) => {
    const result = webhookSchema.safeParse(item)
    // The issue names the field, never its value: a secret must not reach the message.
    if (!result.success) return describeIssues(`WEBHOOKS[${i}]`, result.error, p)
    const { url, secret, events } = result.data
    const id = `ep_${createHash('sha256').update(url).digest('hex').slice(0, 16)}`
    if (endpoints.some((e) => e.id === id)) return p.add(`WEBHOOKS[${i}]`, 'repeats a url')
    endpoints.push(
      Object.freeze({ id, url, secret, ...(events && { events: [...new Set(events)] }) }),
    )
  })
  return endpoints
}

function readDatabaseUrl(env: Env, p: Problems): string | undefined {
  if (env.DATABASE_URL) {
    if (!/^postgres(ql)?:\/\//.test(env.DATABASE_URL))
      p.add('DATABASE_URL', 'must start with postgres://')
    return env.DATABASE_URL
  }
  if (!env.DB_HOST) return undefined
  const parts: DatabaseParts = {
    host: env.DB_HOST,
    port: integer(env, p, 'DB_PORT'),
    name: env.DB_NAME || defaults.DB_NAME,
    user: env.DB_USER || defaults.DB_USER,
    password: env.DB_PASSWORD ?? '',
  }
  const auth = `${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}`
  const sslmode = env.DB_SSL === 'false' ? '' : '?sslmode=require'
  return `postgres://${auth}@${parts.host}:${parts.port}/${encodeURIComponent(parts.name)}${sslmode}`
}

function readHttpLimits(env: Env, p: Problems): HttpLimits {
  const limits = {
    headersTimeoutMs: integer(env, p, 'HTTP_HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: integer(env, p, 'HTTP_REQUEST_TIMEOUT_MS'),
    keepAliveTimeoutMs: integer(env, p, 'HTTP_KEEP_ALIVE_TIMEOUT_MS'),
    maxConnections: integer(env, p, 'HTTP_MAX_CONNECTIONS'),
  }
  // The headers are part of the request: node:http refuses a headers timeout longer than the request's.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    p.add('HTTP_HEADERS_TIMEOUT_MS', 'must not be longer than HTTP_REQUEST_TIMEOUT_MS')
  return Object.freeze(limits)
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function readLogLevel(env: Env, p: Problems): string {
  const level = env.LOG_LEVEL || defaults.LOG_LEVEL
  if (LOG_LEVELS.includes(level)) return level
  p.add('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`)
  return defaults.LOG_LEVEL
}

function readMasterKey(env: Env, production: boolean, p: Problems): Buffer | undefined {
  const raw = env.MASTER_KEY?.trim()
  const shape =
    'must be 32 random bytes: base64 (openssl rand -base64 32) or 64 hex digits (openssl rand -hex 32)'
  if (!raw) {
    if (production) p.add('MASTER_KEY', `is required when NODE_ENV=production; it ${shape}`)
    return undefined
  }
  // Hex is what Secrets Manager's generator can emit (the stack's form); 44-character base64 can't be mistaken for it.
  if (/^[0-9a-f]{64}$/i.test(raw)) return Buffer.from(raw, 'hex')
  const key = Buffer.from(raw, 'base64')
  if (key.length !== 32 || key.toString('base64') !== raw) {
    p.add('MASTER_KEY', shape)
    return undefined
  }
  return key
}

export function loadConfig(env: Env): Config {
  const p = new Problems()
  const production = env.NODE_ENV === 'production'
  const port = integer(env, p, 'PORT')
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '')
  if (!URL.canParse(publicUrl) || !/^https?:/.test(publicUrl))
    p.add('PUBLIC_URL', 'must be an http(s) URL')
  const wechatApiBaseUrl = (env.WECHAT_API_BASE_URL || defaults.WECHAT_API_BASE_URL).replace(
    /\/+$/,
    '',
  )
  if (!URL.canParse(wechatApiBaseUrl)) p.add('WECHAT_API_BASE_URL', 'must be a URL')
  const adminApiKey = env.ADMIN_API_KEY || undefined
  if (adminApiKey && adminApiKey.length < 24)
    p.add('ADMIN_API_KEY', 'must be at least 24 characters')

  const config: Config = {
    port,
    publicUrl,
    databaseUrl: readDatabaseUrl(env, p),
    databaseCaFile: env.DB_SSL_CA || undefined,
    databaseConnectTimeoutSeconds: integer(env, p, 'DB_CONNECT_TIMEOUT'),
    dataDir: env.DATA_DIR || defaults.DATA_DIR,
    wechatApiBaseUrl,
    wechatTimeoutMs: integer(env, p, 'WECHAT_TIMEOUT_MS'),
    connections: readConnections(env, p),
    masterKey: readMasterKey(env, production, p),
    adminApiKey,
    accessTokenTtlSeconds: integer(env, p, 'ACCESS_TOKEN_TTL'),
    refreshTokenTtlSeconds: integer(env, p, 'REFRESH_TOKEN_TTL'),
    sessionMaxLifetimeSeconds: integer(env, p, 'SESSION_MAX_LIFETIME'),
    refreshReuseIntervalSeconds: integer(env, p, 'REFRESH_REUSE_INTERVAL'),
    auditRetentionDays: integer(env, p, 'AUDIT_RETENTION_DAYS'),
    maintenanceIntervalSeconds: integer(env, p, 'MAINTENANCE_INTERVAL'),
    logLevel: readLogLevel(env, p),
    rateLimitIpPerMinute: integer(env, p, 'RATE_LIMIT_IP_PER_MINUTE'),
    rateLimitConnectionPerMinute: integer(env, p, 'RATE_LIMIT_CONNECTION_PER_MINUTE'),
    rateLimitRefreshIpPerMinute: integer(env, p, 'RATE_LIMIT_REFRESH_IP_PER_MINUTE'),
    rateLimitGraphqlIpPerMinute: integer(env, p, 'RATE_LIMIT_GRAPHQL_IP_PER_MINUTE'),
    http: readHttpLimits(env, p),
    legacyPhoneFailuresPerHour: integer(env, p, 'LEGACY_PHONE_FAILURES_PER_HOUR'),
    clientAddress: Object.freeze(readClientAddress(env, p)),
    qrLoginTtlSeconds: integer(env, p, 'QR_LOGIN_TTL'),
    qrLoginIntervalSeconds: integer(env, p, 'QR_LOGIN_INTERVAL'),
    webhooks: readWebhooks(env, p),
    webhookTimeoutMs: integer(env, p, 'WEBHOOK_TIMEOUT_MS'),
    webhookPollMs: integer(env, p, 'WEBHOOK_POLL_MS'),
    sessionCacheSize: integer(env, p, 'SESSION_CACHE_SIZE'),
    sessionCacheTtlSeconds: integer(env, p, 'SESSION_CACHE_TTL'),
    production,
  }
  if (p.list.length) throw new ConfigError(p.list)
  return Object.freeze(config)
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((x) => `  - ${x}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}
