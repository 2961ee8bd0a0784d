// The `Authorization: Bearer <token>` header, read in one place, and the middleware that lets only a
// live session's calls through (tokens/authenticate.ts says what live is).
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { authenticate } from '../tokens/authenticate'
import type { AppEnv } from './context'

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), if there is one. */
export const bearerToken = (c: Context): string | undefined =>
  c.req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]

export function bearer(deps: Pick<Deps, 'db' | 'accessTokens' | 'now' | 'sessionCache'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c)
    if (!token)
      throw new AppError(
        'token_missing',
        'Send the access token as "Authorization: Bearer <token>".',
      )
    const { userId, sessionId, connection } = await authenticate(deps, token)
    c.set('auth', { userId, sessionId, connection })
    await next()
  })
}
