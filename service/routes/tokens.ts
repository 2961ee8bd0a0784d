// POST /v1/token rotates a refresh token into a new pair; POST /v1/logout ends the session.
import { Hono } from 'hono'
import { z } from 'zod'
import { findConnection, type Deps } from '../deps'
import { bearer } from '../http/bearer'
import { readJson } from '../http/body'
import { sessionContext, type AppEnv } from '../http/context'
import { sessionClaims } from '../tokens/access-token'
import { endSession } from '../tokens/logout'
import { rotateRefreshToken } from '../tokens/sessions'

export const tokenBody = z.strictObject({ refreshToken: z.string().min(1).max(256) })

export function tokenRoutes(deps: Deps) {
  return new Hono<AppEnv>()
    .post('/v1/token', async (c) => {
      const { refreshToken } = await readJson(c, tokenBody)
      const rotated = await rotateRefreshToken(
        deps.db,
        refreshToken,
        {
          now: deps.now(),
          refreshTtlSeconds: deps.config.refreshTokenTtlSeconds,
          maxLifetimeSeconds: deps.config.sessionMaxLifetimeSeconds,
          reuseIntervalSeconds: deps.config.refreshReuseIntervalSeconds,
          onRevoked: deps.sessionCache.forgetSession,
        },
        sessionContext(c),
      )
      const connection = findConnection(deps.config, rotated.connection)
      const { accessToken, expiresIn } = await deps.accessTokens.sign(
        sessionClaims({ ...rotated, connection }),
      )
      return c.json({
        accessToken,
        refreshToken: rotated.refreshToken,
        tokenType: 'Bearer',
        expiresIn,
      })
    })
    .post('/v1/logout', bearer(deps), async (c) => {
      await endSession(deps, c.get('auth'), sessionContext(c))
      return c.body(null, 204)
    })
}
