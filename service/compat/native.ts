// In-process calls into the native API, so Authing-shaped requests obey exactly the native rules (the
// bearer check: a valid token of a live session of an active user; the profile patch; logout) instead of
// a second copy of them. The native routes throw their AppErrors straight back to the caller.
import { Hono, type Context } from 'hono'
import { decodeJwt } from 'jose'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { bearer } from '../http/bearer'
import { clientAddress, type AppEnv, type Auth } from '../http/context'
import { loadMe, meRoutes } from '../routes/me'
import { tokenRoutes } from '../routes/tokens'

export type Me = Awaited<ReturnType<typeof loadMe>>

export interface Bearer extends Auth {
  token: string
  exp: number
  iat: number
}

export type NativeApi = ReturnType<typeof nativeApi>

const rethrow = (err: Error): never => {
  throw err
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export const bearerToken = (c: Context) =>
  c.req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]

export function nativeApi(deps: Deps) {
  const app = new Hono<AppEnv>()
    .use(clientAddress(deps.config.clientAddress))
    .get('/compat/whoami', bearer(deps), (c) => c.json(c.get('auth')))
    .route('/', meRoutes(deps))
    .route('/', tokenRoutes(deps))
    .onError(rethrow)

  /** The caller's headers that the native routes read; c.env carries the socket (the caller's address). */
  function send(c: Context, path: string, init: RequestInit, names: string[]) {
    const headers = new Headers(init.headers)
    for (const name of [...names, 'user-agent', 'cloudfront-viewer-address', 'x-forwarded-for']) {
      const value = c.req.header(name)
      if (value !== undefined && !headers.has(name)) headers.set(name, value)
    }
    return app.request(path, { ...init, headers }, c.env)
  }

  async function call(c: Context, method: string, path: string, token: string, body?: unknown) {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const json = body === undefined ? undefined : JSON.stringify(body)
    const res = await send(c, path, { method, headers, body: json }, [])
    return res.status === 204 ? undefined : ((await res.json()) as unknown)
  }

  return {
    /** Passes the caller's request on as `method path` and answers what the native route answers. */
    async forward(c: Context, method: string, path: string): Promise<Response> {
      const body = await c.req.text()
      return send(c, path, { method, body }, ['authorization', 'content-type'])
    },
    /** Throws token_missing, token_invalid, token_expired, session_revoked or user_blocked. */
    async authenticate(c: Context, token: string | undefined): Promise<Bearer> {
      if (!token)
        throw new AppError('token_missing', 'Log in first: this call needs the user token.')
      const auth = (await call(c, 'GET', '/compat/whoami', token)) as Auth
      const { exp, iat } = decodeJwt(token)
      return { ...auth, token, exp: exp!, iat: iat! }
    },
    /** PATCH /v1/me: the native profile rules (nickname, https avatar, gender). */
    async updateProfile(c: Context, token: string, patch: Record<string, unknown>): Promise<Me> {
      return ((await call(c, 'PATCH', '/v1/me', token, patch)) as { user: Me }).user
    },
    /** POST /v1/logout: revokes the token's session. */
    async logout(c: Context, token: string): Promise<void> {
      await call(c, 'POST', '/v1/logout', token)
    },
  }
}
