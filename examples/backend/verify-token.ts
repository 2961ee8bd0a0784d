// Your backend: verify the access token a Mini Program sends, with the service's public keys. No call to
// the service per request: jose fetches the JWKS once and caches it (and again when a new key appears).
import { createRemoteJWKSet, jwtVerify } from 'jose'

export function createVerifier(authUrl: string, appId: string) {
  const jwks = createRemoteJWKSet(new URL(`${authUrl}/.well-known/jwks.json`))
  return async function verify(authorization: string | undefined) {
    const token = authorization?.match(/^Bearer (\S+)$/)?.[1]
    if (!token) throw new Error('no bearer token')
    const { payload } = await jwtVerify(token, jwks, {
      issuer: authUrl, // PUBLIC_URL
      audience: appId, // the Mini Program's AppID
      algorithms: ['ES256'],
    })
    return {
      userId: payload.sub!,
      sessionId: payload.sid as string,
      connection: payload.azp as string,
    }
  }
}
