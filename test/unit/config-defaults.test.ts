// The configuration defaults are said once (service/config-defaults.ts): loadConfig applies each of them,
// and docs/configuration.md states each of them in its variable's row.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../service/config'
import { defaults } from '../../service/config-defaults'

const page = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')

describe('configuration defaults', () => {
  it('are what loadConfig answers for an empty environment', () => {
    const config = loadConfig({})
    expect({
      port: config.port,
      dataDir: config.dataDir,
      wechatApiBaseUrl: config.wechatApiBaseUrl,
      wechatTimeoutMs: config.wechatTimeoutMs,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      sessionMaxLifetimeSeconds: config.sessionMaxLifetimeSeconds,
      refreshReuseIntervalSeconds: config.refreshReuseIntervalSeconds,
      auditRetentionDays: config.auditRetentionDays,
      logLevel: config.logLevel,
      rateLimitIpPerMinute: config.rateLimitIpPerMinute,
      rateLimitConnectionPerMinute: config.rateLimitConnectionPerMinute,
      rateLimitRefreshIpPerMinute: config.rateLimitRefreshIpPerMinute,
      rateLimitGraphqlIpPerMinute: config.rateLimitGraphqlIpPerMinute,
      hops: config.clientAddress.hops,
      http: config.http,
      legacyPhoneFailuresPerHour: config.legacyPhoneFailuresPerHour,
      qrLoginTtlSeconds: config.qrLoginTtlSeconds,
      qrLoginIntervalSeconds: config.qrLoginIntervalSeconds,
    }).toEqual({
      port: defaults.PORT,
      dataDir: defaults.DATA_DIR,
      wechatApiBaseUrl: defaults.WECHAT_API_BASE_URL,
      wechatTimeoutMs: defaults.WECHAT_TIMEOUT_MS,
      accessTokenTtlSeconds: defaults.ACCESS_TOKEN_TTL,
      refreshTokenTtlSeconds: defaults.REFRESH_TOKEN_TTL,
      sessionMaxLifetimeSeconds: defaults.SESSION_MAX_LIFETIME,
      refreshReuseIntervalSeconds: defaults.REFRESH_REUSE_INTERVAL,
      auditRetentionDays: defaults.AUDIT_RETENTION_DAYS,
      logLevel: defaults.LOG_LEVEL,
      rateLimitIpPerMinute: defaults.RATE_LIMIT_IP_PER_MINUTE,
      rateLimitConnectionPerMinute: defaults.RATE_LIMIT_CONNECTION_PER_MINUTE,
      rateLimitRefreshIpPerMinute: defaults.RATE_LIMIT_REFRESH_IP_PER_MINUTE,
      rateLimitGraphqlIpPerMinute: defaults.RATE_LIMIT_GRAPHQL_IP_PER_MINUTE,
      hops: defaults.CLIENT_ADDRESS_HOPS,
      http: {
        headersTimeoutMs: defaults.HTTP_HEADERS_TIMEOUT_MS,
        requestTimeoutMs: defaults.HTTP_REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: defaults.HTTP_KEEP_ALIVE_TIMEOUT_MS,
        maxConnections: defaults.HTTP_MAX_CONNECTIONS,
      },
      legacyPhoneFailuresPerHour: defaults.LEGACY_PHONE_FAILURES_PER_HOUR,
      qrLoginTtlSeconds: defaults.QR_LOGIN_TTL,
      qrLoginIntervalSeconds: defaults.QR_LOGIN_INTERVAL,
    })
  })

  it('build the database URL and the single connection from the same object', () => {
    const config = loadConfig({
      DB_HOST: 'db.internal',
      WECHAT_APP_ID: 'wx0123456789abcdef',
      WECHAT_APP_SECRET: 'secret',
    })
    expect(config.databaseUrl).toBe(
      `postgres://${defaults.DB_USER}:@db.internal:${defaults.DB_PORT}/${defaults.DB_NAME}?sslmode=require`,
    )
    expect(config.connections[0]!.id).toBe(defaults.WECHAT_CONNECTION)
  })

  it.each(Object.entries(defaults))('%s: docs/configuration.md states %s', (name, value) => {
    const rows = page.split('\n').filter((l) => l.startsWith('| `'))
    const row = rows.find((l) => l.split('|')[1]!.includes(`\`${name}\``))
    expect(row, `no row names ${name}`).toBeDefined()
    expect(row!.split('|').at(-2), `the default of ${name}`).toContain(`\`${value}\``)
  })

  it('refuses a LOG_LEVEL pino does not know, naming it', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL must be one of/)
  })
})
