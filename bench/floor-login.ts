// The login floor: the least a code login can do on this stack, hand-written, for `npm run bench` to divide
// by. One keep-alive undici call to jscode2session, one prepared upsert of the identity and its user, one
// prepared insert of the session with its refresh-token hash, one ES256 signature. No middleware, no
// validation library, no audit row, no unionid linking, no race handling: those are what ours adds.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { generateKeyPair, SignJWT } from 'jose'
import { Pool } from 'undici'
import { openFloorDb } from './floor-db'

const env = process.env
const [appId, secret, connection] = [env.APP_ID!, env.APP_SECRET!, env.CONNECTION!]
const issuer = env.ISSUER!
const ttl = 3600
const refreshTtlMs = 30 * 86400_000

// Returning: touch the identity and count the login. New: insert the user and then its identity (the
// foreign key is checked at the end of the statement, when the user exists).
const upsert = `WITH touched AS (
  UPDATE wechat_identities SET session_key_enc = $3, updated_at = $4
  WHERE appid = $1 AND openid = $2 RETURNING user_id
), bumped AS (
  UPDATE users SET login_count = login_count + 1, last_login_at = $4
  FROM touched WHERE users.id = touched.user_id RETURNING users.*
), created AS (
  INSERT INTO users (id, login_count, last_login_at, created_at, updated_at)
  SELECT $5, 1, $4, $4, $4 WHERE NOT EXISTS (SELECT 1 FROM touched) RETURNING *
), identity AS (
  INSERT INTO wechat_identities
    (id, user_id, connection, appid, openid, unionid, session_key_enc, created_at, updated_at)
  SELECT $6, created.id, $7, $1, $2, $8, $3, $4, $4 FROM created
)
SELECT * FROM bumped UNION ALL SELECT * FROM created`

const insertSession = `WITH s AS (
  INSERT INTO sessions (id, user_id, connection, created_at, last_refreshed_at, expires_at, user_agent)
  VALUES ($1, $2, $3, $4, $4, $5, $6)
)
INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($7, $1, $4, $5)`

const db = await openFloorDb(env.DATABASE_URL, env.DATA_DIR)
const wechat = new Pool(env.WECHAT_API_BASE_URL!, { connections: 64 })
const kid = randomUUID()
const { privateKey } = await generateKeyPair('ES256')
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v))

const app = new Hono()
app.get('/healthz', (c) => c.json({ status: 'ok' }))
app.post('/login', async (c) => {
  const { code } = await c.req.json<{ code?: unknown }>()
  if (typeof code !== 'string') return c.json({ error: 'invalid_request' }, 400)
  const query = new URLSearchParams({ appid: appId, secret, js_code: code })
  query.set('grant_type', 'authorization_code')
  const res = await wechat.request({ method: 'GET', path: `/sns/jscode2session?${query}` })
  const session = JSON.parse(await res.body.text()) as Record<string, string>
  if (!session.openid) return c.json({ error: 'wechat_error' }, 502)

  const now = new Date()
  const at = now.toISOString()
  const [user] = await db.query(upsert, [
    appId,
    session.openid,
    session.session_key,
    at,
    randomUUID(),
    randomUUID(),
    connection,
    session.unionid ?? null,
  ])
  const sessionId = randomUUID()
  const refreshToken = randomBytes(32).toString('base64url')
  const hash = createHash('sha256').update(refreshToken).digest('base64url')
  const expires = new Date(now.getTime() + refreshTtlMs).toISOString()
  const agent = c.req.header('user-agent') ?? null
  await db.query(insertSession, [sessionId, user!.id, connection, at, expires, agent, hash])

  const iat = Math.floor(now.getTime() / 1000)
  const accessToken = await new SignJWT({ sid: sessionId, azp: connection })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject(String(user!.id))
    .setAudience(appId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(privateKey)
  return c.json({
    user: {
      id: user!.id,
      loginCount: user!.login_count,
      lastLoginAt: iso(user!.last_login_at),
      createdAt: iso(user!.created_at),
    },
    accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: ttl,
  })
})

serve({ fetch: app.fetch, port: Number(env.PORT), hostname: '127.0.0.1' })
const stop = () => void db.close().finally(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
