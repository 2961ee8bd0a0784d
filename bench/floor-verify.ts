// The verify floor: a bare Hono handler that checks an ES256 access token with jose, against the service's
// own JWKS (passed in as JWKS) and with the same issuer, audience and algorithm checks. No database.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { importJWK, jwtVerify, type JWK, type JWTHeaderParameters } from 'jose'

const env = process.env
const jwks = JSON.parse(env.JWKS!) as { keys: (JWK & { kid: string })[] }
const keys = new Map(
  await Promise.all(jwks.keys.map(async (k) => [k.kid, await importJWK(k, 'ES256')] as const)),
)
const options = { issuer: env.ISSUER!, audience: env.AUDIENCE!, algorithms: ['ES256'] }

const app = new Hono()
app.get('/healthz', (c) => c.json({ status: 'ok' }))
app.get('/v1/me', async (c) => {
  const token = c.req.header('authorization')?.slice('Bearer '.length)
  if (!token) return c.json({ error: 'token_missing' }, 401)
  try {
    const { payload } = await jwtVerify(
      token,
      (h: JWTHeaderParameters) => keys.get(h.kid!)!,
      options,
    )
    return c.json({ user: { id: payload.sub } })
  } catch {
    return c.json({ error: 'token_invalid' }, 401)
  }
})

serve({ fetch: app.fetch, port: Number(env.PORT), hostname: '127.0.0.1' })
process.once('SIGTERM', () => process.exit(0))
process.once('SIGINT', () => process.exit(0))
