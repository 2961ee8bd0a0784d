// The login ceiling: the most a code login can be pushed to on this stack, hand-written, for `npm run bench`
// to divide by beside the floor. Where the floor does the same work the plain way (Hono, two statements,
// jose), this does the least there is: node:http with no router, one keep-alive undici call to
// jscode2session, ONE prepared statement for the whole login (identity, user, session and refresh-token
// hash in one data-modifying CTE: one round trip), and an ES256 signature made synchronously with
// node:crypto (no jose, no WebCrypto hop to the threadpool). Its tokens verify against its own JWKS
// (GET /.well-known/jwks.json). It answers the floor's JSON. Nothing a product needs is here; it is a
// measuring stick, not a design.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Pool } from 'undici'
import { openFloorDb, type Row } from './floor-db'

const env = process.env
const [appId, secret, connection] = [env.APP_ID!, env.APP_SECRET!, env.CONNECTION!]
const issuer = env.ISSUER!
const ttl = 3600
const refreshTtlMs = 30 * 86400_000

// The floor's two statements as one: the user row comes from `bumped` (returning) or `created` (new), and
// the session and its refresh token are inserted from it. Foreign keys are checked at the end of the
// statement, when every row exists. A concurrent first login of one user fails on the unique index, as the
// floor's does: no race handling.
const login = `WITH touched AS (
  UPDATE wechat_identities SET session_key_enc = $3, updated_at = $4
  WHERE appid = $1 AND openid = $2 RETURNING user_id
), bumped AS (
  UPDATE users SET login_count = login_count + 1, last_login_at = $4
  FROM touched WHERE users.id = touched.user_id
  RETURNING users.id, users.login_count, users.last_login_at, users.created_at
), created AS (
  INSERT INTO users (id, login_count, last_login_at, created_at, updated_at)
  SELECT $5, 1, $4, $4, $4 WHERE NOT EXISTS (SELECT 1 FROM touched)
  RETURNING id, login_count, last_login_at, created_at
), identity AS (
  INSERT INTO wechat_identities
    (id, user_id, connection, appid, openid, unionid, session_key_enc, created_at, updated_at)
  SELECT $6, created.id, $7, $1, $2, $8, $3, $4, $4 FROM created
), u AS (
  SELECT * FROM bumped UNION ALL SELECT * FROM created
), s AS (
  INSERT INTO sessions (id, user_id, connection, created_at, last_refreshed_at, expires_at, user_agent)
  SELECT $9, u.id, $7, $4, $4, $10, $11 FROM u RETURNING id
), r AS (
  INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)
  SELECT $12, s.id, $4, $10 FROM s
)
SELECT * FROM u`

const db = await openFloorDb(env.DATABASE_URL, env.DATA_DIR)
const wechat = new Pool(env.WECHAT_API_BASE_URL!, { connections: 64 })
const kid = randomUUID()
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const jwks = JSON.stringify({
  keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }],
})
const b64 = (s: string) => Buffer.from(s).toString('base64url')
/** The protected header never changes: encoded once. */
const header = b64(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }))
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v))

/** A compact JWS: ES256 wants the raw r‖s signature (IEEE P1363), not DER. */
function signJwt(claims: Record<string, unknown>): string {
  const input = `${header}.${b64(JSON.stringify(claims))}`
  const signature = sign('sha256', Buffer.from(input), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  })
  return `${input}.${signature.toString('base64url')}`
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString())
}

function send(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

async function handleLogin(req: IncomingMessage): Promise<[number, string]> {
  const { code } = ((await readJson(req)) ?? {}) as { code?: unknown }
  if (typeof code !== 'string') return [400, '{"error":"invalid_request"}']
  const query = new URLSearchParams({ appid: appId, secret, js_code: code })
  query.set('grant_type', 'authorization_code')
  const res = await wechat.request({ method: 'GET', path: `/sns/jscode2session?${query}` })
  const session = JSON.parse(await res.body.text()) as Record<string, string>
  if (!session.openid) return [502, '{"error":"wechat_error"}']

  const now = new Date()
  const at = now.toISOString()
  const sessionId = randomUUID()
  const refreshToken = randomBytes(32).toString('base64url')
  const hash = createHash('sha256').update(refreshToken).digest('base64url')
  const expires = new Date(now.getTime() + refreshTtlMs).toISOString()
  const rows: Row[] = await db.query(login, [
    appId,
    session.openid,
    session.session_key,
    at,
    randomUUID(),
    randomUUID(),
    connection,
    session.unionid ?? null,
    sessionId,
    expires,
    req.headers['user-agent'] ?? null,
    hash,
  ])
  const user = rows[0]!
  const iat = Math.floor(now.getTime() / 1000)
  const accessToken = signJwt({
    sid: sessionId,
    azp: connection,
    iss: issuer,
    sub: String(user.id),
    aud: appId,
    iat,
    exp: iat + ttl,
  })
  const body = {
    user: {
      id: user.id,
      loginCount: user.login_count,
      lastLoginAt: iso(user.last_login_at),
      createdAt: iso(user.created_at),
    },
    accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: ttl,
  }
  return [200, JSON.stringify(body)]
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/login')
    handleLogin(req).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => {
        console.error(err)
        send(res, 500, '{"error":"internal"}')
      },
    )
  else if (req.method === 'GET' && req.url === '/.well-known/jwks.json') send(res, 200, jwks)
  else if (req.method === 'GET' && req.url === '/healthz') send(res, 200, '{"status":"ok"}')
  else send(res, 404, '{"error":"not_found"}')
})
server.listen(Number(env.PORT), '127.0.0.1')
const stop = () => void db.close().finally(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
