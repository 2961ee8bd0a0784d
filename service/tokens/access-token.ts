// Access tokens: ES256 JWTs that any backend verifies against our JWKS. Claims: iss = PUBLIC_URL,
// sub = user id, aud = the connection's AppID, azp = connection id, sid = session id, iat, exp, and
// client = "web" on the tokens of a browser session that a QR login created.
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose'
import type { Connection } from '../config'
import { AppError } from '../errors'
import type { KeyStore } from './signing-keys'

export interface AccessClaims {
  sub: string
  sid: string
  azp: string
  aud: string
  /** 'web': a browser session approved from the Mini Program (QR login); absent: the Mini Program's own. */
  client?: 'web'
}

/** What a session's access token says, built in one place for every API that issues one. */
export function sessionClaims(s: {
  userId: string
  sessionId: string
  connection: Pick<Connection, 'id' | 'appId'>
  client?: 'web' | null
}): AccessClaims {
  const claims = { sub: s.userId, sid: s.sessionId, azp: s.connection.id, aud: s.connection.appId }
  return s.client ? { ...claims, client: s.client } : claims
}

export interface SignedAccessToken {
  accessToken: string
  expiresIn: number
  /** Its `iat` and `exp` (seconds since the epoch). */
  iat: number
  exp: number
}

export interface AccessTokens {
  sign(claims: AccessClaims): Promise<SignedAccessToken>
  /** Verifies signature, algorithm, issuer, audience and expiry; throws token_invalid or token_expired. */
  verify(token: string): Promise<AccessClaims & JWTPayload>
}

export interface AccessTokenOptions {
  keys: KeyStore
  issuer: string
  /** Every configured connection's AppID. */
  audiences: string[]
  ttlSeconds: number
  now: () => Date
}

export function createAccessTokens({
  keys,
  issuer,
  audiences,
  ttlSeconds,
  now,
}: AccessTokenOptions): AccessTokens {
  return {
    async sign({ sub, sid, azp, aud, client }) {
      const { kid, privateKey } = await keys.current()
      const iat = Math.floor(now().getTime() / 1000)
      const accessToken = await new SignJWT(client ? { sid, azp, client } : { sid, azp })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setSubject(sub)
        .setAudience(aud)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .sign(privateKey)
      return { accessToken, expiresIn: ttlSeconds, iat, exp: iat + ttlSeconds }
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            const key = header.kid ? await keys.publicKey(header.kid) : undefined
            if (!key)
              throw new AppError('token_invalid', 'The access token was signed by an unknown key.')
            return key
          },
          {
            issuer,
            audience: audiences,
            algorithms: ['ES256'],
            currentDate: now(),
            requiredClaims: ['sub', 'exp', 'iat'],
          },
        )
        if (
          typeof payload.sid !== 'string' ||
          typeof payload.azp !== 'string' ||
          typeof payload.aud !== 'string'
        ) {
          throw new AppError('token_invalid', 'The access token lacks the session claims.')
        }
        return payload as AccessClaims & JWTPayload
      } catch (err) {
        if (err instanceof AppError) throw err
        if (err instanceof errors.JWTExpired)
          throw new AppError('token_expired', 'The access token has expired.')
        throw new AppError('token_invalid', 'The access token is not valid.')
      }
    },
  }
}
