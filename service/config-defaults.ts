// Every configuration default, once: loadConfig applies these, docs/configuration.md states them, and a test
// (test/unit/config-defaults.test.ts) checks that the page says each one.
export const defaults = {
  PORT: 3000,
  DATA_DIR: '.data',
  DB_PORT: 5432,
  DB_NAME: 'postgres',
  DB_USER: 'postgres',
  WECHAT_API_BASE_URL: 'https://api.weixin.qq.com',
  WECHAT_TIMEOUT_MS: 5000,
  WECHAT_CONNECTION: 'wechat-miniprogram',
  ACCESS_TOKEN_TTL: 3600,
  /** 30 days. */
  REFRESH_TOKEN_TTL: 2592000,
  /** 30 days. */
  SESSION_MAX_LIFETIME: 2592000,
  REFRESH_REUSE_INTERVAL: 10,
  AUDIT_RETENTION_DAYS: 365,
  LOG_LEVEL: 'info',
  RATE_LIMIT_IP_PER_MINUTE: 600,
  RATE_LIMIT_CONNECTION_PER_MINUTE: 6000,
  RATE_LIMIT_REFRESH_IP_PER_MINUTE: 600,
  RATE_LIMIT_GRAPHQL_IP_PER_MINUTE: 1200,
  CLIENT_ADDRESS_HOPS: 1,
  HTTP_HEADERS_TIMEOUT_MS: 10000,
  HTTP_REQUEST_TIMEOUT_MS: 30000,
  /** Above the load balancer's idle timeout (ALB: 60 s), so it never reuses a connection we are closing. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: 65000,
  HTTP_MAX_CONNECTIONS: 10000,
  LEGACY_PHONE_FAILURES_PER_HOUR: 5,
  QR_LOGIN_TTL: 120,
  QR_LOGIN_INTERVAL: 2,
  /** Long enough for a paused Aurora Serverless v2 to resume. */
  DB_CONNECT_TIMEOUT: 10,
  MAINTENANCE_INTERVAL: 3600,
  WEBHOOK_TIMEOUT_MS: 10000,
  WEBHOOK_POLL_MS: 1000,
  /** About 1 KB each with its profile: ~10 MB at most. */
  SESSION_CACHE_SIZE: 10000,
  SESSION_CACHE_TTL: 30,
} as const

/** The variables whose default is a number, i.e. those read with integer(). */
export type IntegerVariable = {
  [K in keyof typeof defaults]: (typeof defaults)[K] extends number ? K : never
}[keyof typeof defaults]
