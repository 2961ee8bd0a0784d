// loadConfig(env): defaults, the two ways to configure connections, and one message naming every problem.
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../service/config'
import { configProblems } from '../helpers/config-problems'

const key = Buffer.alloc(32, 1).toString('base64')
const single = { WECHAT_APP_ID: 'wx0123456789abcdef', WECHAT_APP_SECRET: 's'.repeat(32) }

const problems = configProblems

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      dataDir: '.data',
      wechatApiBaseUrl: 'https://api.weixin.qq.com',
      wechatTimeoutMs: 5000,
      accessTokenTtlSeconds: 3600,
      refreshTokenTtlSeconds: 2592000,
      sessionMaxLifetimeSeconds: 2592000,
      refreshReuseIntervalSeconds: 10,
      auditRetentionDays: 365,
      maintenanceIntervalSeconds: 3600,
      databaseConnectTimeoutSeconds: 10,
      connections: [],
    })
    expect(c.databaseUrl).toBeUndefined()
    expect(c.adminApiKey).toBeUndefined()
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('reads the maintenance interval and the database connect timeout, within their bounds', () => {
    expect(loadConfig({ MAINTENANCE_INTERVAL: '86400', DB_CONNECT_TIMEOUT: '45' })).toMatchObject({
      maintenanceIntervalSeconds: 86400,
      databaseConnectTimeoutSeconds: 45,
    })
    expect(problems({ MAINTENANCE_INTERVAL: '59', DB_CONNECT_TIMEOUT: '121' })).toEqual([
      'DB_CONNECT_TIMEOUT must be a whole number from 1 to 120 (got "121")',
      'MAINTENANCE_INTERVAL must be a whole number from 60 to 604800 (got "59")',
    ])
  })

  it('reads the single-connection shorthand with the default connection id', () => {
    const c = loadConfig({ ...single, WECHAT_LOGIN_ONLY: 'true' })
    expect(c.connections).toEqual([
      expect.objectContaining({
        id: 'wechat-miniprogram',
        appId: single.WECHAT_APP_ID,
        loginOnly: true,
      }),
    ])
  })

  it('reads several connections from WECHAT_CONNECTIONS', () => {
    const c = loadConfig({
      WECHAT_CONNECTIONS: JSON.stringify([
        { id: 'shop', displayName: 'Shop', appId: 'wx0000000000000001', appSecret: 'x' },
        { id: 'mall', appId: 'wx0000000000000002', appSecret: 'y', loginOnly: true },
      ]),
    })
    expect(c.connections.map((x) => [x.id, x.displayName, x.loginOnly])).toEqual([
      ['shop', 'Shop', false],
      ['mall', 'mall', true],
    ])
  })

  it.each(['Shop', 'a_b', 'x'.repeat(32), ''])('rejects the connection id %j', (id) => {
    const found = problems({
      WECHAT_CONNECTIONS: JSON.stringify([{ id, appId: 'wx0000000000000001', appSecret: 'x' }]),
    })
    expect(found.join('\n')).toMatch(/WECHAT_CONNECTIONS\[0\]\[id\]/)
  })

  it('reports every problem at once, naming each variable', () => {
    const found = problems({
      PORT: 'eighty',
      MASTER_KEY: 'short',
      WECHAT_APP_ID: 'not-an-app-id',
      WECHAT_CONNECTIONS: '{not json',
      ADMIN_API_KEY: 'tiny',
      WECHAT_TIMEOUT_MS: '0',
    })
    const text = found.join('\n')
    for (const name of [
      'PORT',
      'MASTER_KEY',
      'WECHAT_APP_SECRET',
      'WECHAT_CONNECTIONS',
      'ADMIN_API_KEY',
      'WECHAT_TIMEOUT_MS',
    ]) {
      expect(text).toContain(name)
    }
    expect(text).not.toContain('short') // the value of a secret is not echoed
  })

  it('accepts the legacy phone form by default, turned off per connection or in the shorthand', () => {
    expect(loadConfig(single).connections[0]!.legacyPhoneData).toBe(true)
    const off = loadConfig({ ...single, WECHAT_LEGACY_PHONE_DATA: 'false' })
    expect(off.connections[0]!.legacyPhoneData).toBe(false)
    const json = JSON.stringify([
      { id: 'a', appId: 'wx0123456789abcdef', appSecret: 's', legacyPhoneData: false },
    ])
    expect(loadConfig({ WECHAT_CONNECTIONS: json }).connections[0]!.legacyPhoneData).toBe(false)
    expect(loadConfig({}).legacyPhoneFailuresPerHour).toBe(5)
    expect(problems({ LEGACY_PHONE_FAILURES_PER_HOUR: '0' })[0]).toMatch(
      /^LEGACY_PHONE_FAILURES_PER_HOUR must be a whole number from 1 to 1000/,
    )
  })

  it('rejects a repeated connection id', () => {
    const dup = { id: 'shop', appId: 'wx0000000000000001', appSecret: 'x' }
    expect(problems({ WECHAT_CONNECTIONS: JSON.stringify([dup, dup]) }).join()).toContain('repeats')
  })

  it('rejects two connections with one AppID, naming the first', () => {
    const shop = { id: 'shop', appId: 'wx0000000000000001', appSecret: 'x' }
    const twin = { ...shop, id: 'shop-again' }
    expect(problems({ WECHAT_CONNECTIONS: JSON.stringify([shop, twin]) })).toEqual([
      'WECHAT_CONNECTIONS[1] repeats the AppID wx0000000000000001 of connection "shop"',
    ])
  })

  it('requires MASTER_KEY in production and accepts 32 bytes of base64', () => {
    expect(problems({ NODE_ENV: 'production' }).join()).toContain('MASTER_KEY')
    expect(loadConfig({ NODE_ENV: 'production', MASTER_KEY: key }).masterKey).toHaveLength(32)
  })

  it('accepts MASTER_KEY as 64 hex digits, the form the stack generates', () => {
    const hex = 'ab'.repeat(32)
    expect(loadConfig({ MASTER_KEY: hex }).masterKey).toEqual(Buffer.alloc(32, 0xab))
    expect(problems({ MASTER_KEY: 'ab'.repeat(31) }).join()).toContain('MASTER_KEY')
  })

  it('defaults the HTTP server limits and refuses a headers timeout longer than the request timeout', () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 10_000,
    })
    expect(loadConfig({})).toMatchObject({
      rateLimitIpPerMinute: 600,
      rateLimitRefreshIpPerMinute: 600,
      rateLimitGraphqlIpPerMinute: 1200,
    })
    expect(problems({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS',
    ])
    expect(problems({ HTTP_MAX_CONNECTIONS: '0' })[0]).toMatch(/^HTTP_MAX_CONNECTIONS must be/)
  })

  it('builds DATABASE_URL from the parts ECS injects', () => {
    const c = loadConfig({
      DB_HOST: 'db.internal',
      DB_NAME: 'auth',
      DB_USER: 'app',
      DB_PASSWORD: 'p@ss/word',
    })
    expect(c.databaseUrl).toBe('postgres://app:p%40ss%2Fword@db.internal:5432/auth?sslmode=require')
  })

  it('takes the client address from the TCP peer unless one header is named', () => {
    expect(loadConfig({}).clientAddress).toEqual({ hops: 1 })
    expect(
      loadConfig({ CLIENT_ADDRESS_HEADER: 'X-Forwarded-For', CLIENT_ADDRESS_HOPS: '2' })
        .clientAddress,
    ).toEqual({
      header: 'x-forwarded-for',
      hops: 2,
    })
    // The older switch keeps its meaning.
    expect(loadConfig({ TRUST_CLOUDFRONT_VIEWER_ADDRESS: 'true' }).clientAddress).toEqual({
      header: 'cloudfront-viewer-address',
      hops: 1,
    })
    expect(problems({ CLIENT_ADDRESS_HEADER: 'forwarded' }).join()).toContain(
      'CLIENT_ADDRESS_HEADER',
    )
    expect(
      problems({
        CLIENT_ADDRESS_HEADER: 'x-forwarded-for',
        TRUST_CLOUDFRONT_VIEWER_ADDRESS: 'true',
      }).join(),
    ).toContain('contradicts CLIENT_ADDRESS_HEADER=x-forwarded-for')
    expect(problems({ CLIENT_ADDRESS_HOPS: '0' }).join()).toContain('CLIENT_ADDRESS_HOPS')
  })
})

describe('the secret guard of the test harness', () => {
  it('fails on a log line that carries a configured secret and passes clean lines', async () => {
    const { assertNoSecretsLogged, configSecrets } = await import('../helpers/secrets')
    const secrets = configSecrets({ MASTER_KEY: key }, ['s'.repeat(32)])
    expect(() => assertNoSecretsLogged(['{"msg":"ok"}'], secrets)).not.toThrow()
    expect(() => assertNoSecretsLogged([`{"secret":"${'s'.repeat(32)}"}`], secrets)).toThrow(
      /secret/,
    )
  })
})

describe('the logger', () => {
  /** The service's logger, writing its lines into `lines`. */
  async function capturedLogger() {
    const { Writable } = await import('node:stream')
    const { createLogger } = await import('../../service/log')
    const lines: string[] = []
    const logger = createLogger(
      'info',
      new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }),
    )
    return { lines, logger }
  }

  it('logs a failed query with its SQL but without its parameters', async () => {
    const { lines, logger } = await capturedLogger()
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const err = Object.assign(
      new Error('Failed query: update users set phone = $1\nparams: +8613800138000,x', { cause }),
      { query: 'update users set phone = $1', params: ['+8613800138000', 'x'] },
    )
    logger.warn({ err }, 'query failed')
    expect(lines[0]).toContain('update users set phone')
    expect(lines[0]).toContain('ECONNREFUSED')
    expect(lines[0]).not.toContain('13800138000')
  })

  it("redacts a connection's push Token and EncodingAESKey wherever they are logged", async () => {
    const { lines, logger } = await capturedLogger()
    const secrets = { pushToken: 'pushTokenValue123', encodingAesKey: 'k'.repeat(43) }
    logger.info({ ...secrets, connection: { id: 'shop', ...secrets } }, 'a careless line')
    expect(lines[0]).toContain('shop')
    for (const secret of Object.values(secrets)) expect(lines[0]).not.toContain(secret)
  })

  it('reads the QR login settings of a connection and refuses malformed ones', () => {
    const connection = { id: 'shop', appId: 'wx0123456789abcdef', appSecret: 's' }
    const c = loadConfig({
      WECHAT_CONNECTIONS: JSON.stringify([
        { ...connection, qrLoginPage: 'pages/qr/index', webOrigins: ['https://a.example'] },
      ]),
    })
    expect(c.connections[0]).toMatchObject({
      qrLoginPage: 'pages/qr/index',
      qrLoginEnvVersion: 'release',
      webOrigins: ['https://a.example'],
    })
    expect(c).toMatchObject({ qrLoginTtlSeconds: 120, qrLoginIntervalSeconds: 2 })
    const bad = {
      ...connection,
      qrLoginPage: '/pages/qr/index?x=1',
      qrLoginEnvVersion: 'beta',
      webOrigins: ['https://a.example/login', 'http://a.example', 'http://localhost:8080'],
    }
    const found = problems({ WECHAT_CONNECTIONS: JSON.stringify([bad]), QR_LOGIN_TTL: '5' })
    expect(found.map((p) => p.split(' ')[0])).toEqual([
      'WECHAT_CONNECTIONS[0][qrLoginPage]',
      'WECHAT_CONNECTIONS[0][qrLoginEnvVersion]',
      'WECHAT_CONNECTIONS[0][webOrigins.0]',
      'WECHAT_CONNECTIONS[0][webOrigins.1]',
      'QR_LOGIN_TTL',
    ])
  })

  it('reads the QR login settings of the single-connection shorthand', () => {
    const c = loadConfig({
      ...single,
      WECHAT_QR_LOGIN_PAGE: 'pages/qr/index',
      WECHAT_QR_LOGIN_ENV_VERSION: 'trial',
      WECHAT_WEB_ORIGINS: 'https://a.example, https://b.example',
    })
    expect(c.connections[0]).toMatchObject({
      qrLoginPage: 'pages/qr/index',
      qrLoginEnvVersion: 'trial',
      webOrigins: ['https://a.example', 'https://b.example'],
    })
    expect(problems({ ...single, WECHAT_WEB_ORIGINS: 'a.example' })[0]).toMatch(
      /^WECHAT_APP_ID\/WECHAT_APP_SECRET\[webOrigins\.0\]/,
    )
  })

  it('reads the push settings, from the connection JSON and from the shorthand', () => {
    const aesKey = 'a'.repeat(43)
    const json = { id: 'shop', appId: single.WECHAT_APP_ID, appSecret: 's', pushToken: 'tok123' }
    expect(loadConfig({ WECHAT_CONNECTIONS: JSON.stringify([json]) }).connections[0]).toMatchObject(
      {
        pushToken: 'tok123',
      },
    )
    const c = loadConfig({
      ...single,
      WECHAT_PUSH_TOKEN: 'tok456',
      WECHAT_ENCODING_AES_KEY: aesKey,
    })
    expect(c.connections[0]).toMatchObject({ pushToken: 'tok456', encodingAesKey: aesKey })
  })

  it('refuses push settings the WeChat console would not give, naming the variable', () => {
    const withPush = (extra: object) =>
      JSON.stringify([{ id: 'shop', appId: single.WECHAT_APP_ID, appSecret: 's', ...extra }])
    const found = [
      ...problems({ WECHAT_CONNECTIONS: withPush({ pushToken: 'ab' }) }),
      ...problems({ WECHAT_CONNECTIONS: withPush({ pushToken: 'tok', encodingAesKey: 'short' }) }),
      ...problems({ WECHAT_CONNECTIONS: withPush({ encodingAesKey: 'b'.repeat(43) }) }),
      ...problems({ ...single, WECHAT_PUSH_TOKEN: 'has space' }),
      ...problems({
        ...single,
        WECHAT_PUSH_TOKEN: 'tok',
        WECHAT_ENCODING_AES_KEY: `${'c'.repeat(42)}+`,
      }),
      ...problems({ ...single, WECHAT_ENCODING_AES_KEY: 'd'.repeat(43) }),
    ]
    expect(found.map((p) => p.split(' ')[0])).toEqual([
      'WECHAT_CONNECTIONS[0][pushToken]',
      'WECHAT_CONNECTIONS[0][encodingAesKey]',
      'WECHAT_CONNECTIONS[0][encodingAesKey]',
      'WECHAT_PUSH_TOKEN',
      'WECHAT_ENCODING_AES_KEY',
      'WECHAT_ENCODING_AES_KEY',
    ])
    expect(found[5]).toContain('needs WECHAT_PUSH_TOKEN too')
  })
})
