// Discovery and public keys: customer backends verify our tokens with these, without calling us per request.
import { Hono } from 'hono'
import type { Deps } from '../deps'
import type { AppEnv } from '../http/context'

export function wellKnownRoutes(deps: Deps) {
  const issuer = deps.config.publicUrl
  return new Hono<AppEnv>()
    .get('/.well-known/jwks.json', async (c) => {
      const jwks = await deps.keys.jwks()
      // Only after the keys are read: an error answer (a lost database) must not be cached for 5 minutes.
      c.header('Cache-Control', 'public, max-age=300')
      return c.json(jwks)
    })
    .get('/.well-known/openid-configuration', (c) => {
      c.header('Cache-Control', 'public, max-age=3600')
      return c.json({
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        token_endpoint: `${issuer}/v1/token`,
        userinfo_endpoint: `${issuer}/v1/me`,
        grant_types_supported: ['refresh_token'],
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        token_endpoint_auth_methods_supported: ['none'],
        claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'sid', 'azp'],
      })
    })
}
