// POST /v1/token rotates a refresh token into a new pair; POST /v1/logout ends the session.
import { Hono } from 'hono'
import { z } from 'zod'
import { recordAudit } from '../audit'
import { findConnection, type Deps } from '../deps'
import { bearer } from '../http/bearer'
import { readJson } from '../http/body'
import { sessionContext, type AppEnv } from '../http/context'
import { revokeSession, rotateRefreshToken } from '../tokens/sessions'

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
        },
        sessionContext(c),
      )
      const connection = findConnection(deps.config, rotated.connection)
      const { accessToken, expiresIn } = await deps.accessTokens.sign({
        sub: rotated.userId,
        sid: rotated.sessionId,
        azp: connection.id,
        aud: connection.appId,
        ...(rotated.client ? { client: rotated.client } : {}),
      })
      return c.json({
        accessToken,
        refreshToken: rotated.refreshToken,
        tokenType: 'Bearer',
        expiresIn,
      })
    })
    .post('/v1/logout', bearer(deps), async (c) => {
      const auth = c.get('auth')
      const now = deps.now()
      await revokeSession(deps.db, auth.sessionId, 'logout', now)
      await recordAudit(
        deps.db,
        {
          type: 'session.revoked',
          userId: auth.userId,
          connection: auth.connection,
          ip: sessionContext(c).ip,
          detail: { sessionId: auth.sessionId, reason: 'logout' },
        },
        now,
      )
      return c.body(null, 204)
    })
}
