// Access tokens: ES256 JWTs that any backend verifies against our JWKS. Claims: iss = PUBLIC_URL,
// sub = user id, aud = the connection's AppID, azp = connection id, sid = session id, iat, exp, and
// client = "web" on the tokens of a browser session that a QR login created.
import { sign as signWith } from 'node:crypto'
import { errors, jwtVerify, type JWTPayload } from 'jose'
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
  /** Verified tokens kept, so that a client's next call with the same token skips the signature; 0: none. */
  cacheSize?: number
}

const base64url = (text: string) => Buffer.from(text).toString('base64url')

/** The protected header of a key's tokens, encoded once per key. */
const headers = new Map<string, string>()
function headerOf(kid: string) {
  let header = headers.get(kid)
  if (!header)
    headers.set(kid, (header = base64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }))))
  return header
}

export function createAccessTokens({
  keys,
  issuer,
  audiences,
  ttlSeconds,
  now,
  cacheSize = 0,
}: AccessTokenOptions): AccessTokens {
  // A token's bytes decide every check but its expiry: the same token verified again gives the same claims
  // (a retired key stays published until its last token has expired, signing-keys.ts). So a client's next
  // call with its token is answered from here, its `exp` checked against the clock as jose checks it.
  const verified = new Map<string, AccessClaims & JWTPayload>()
  const remember = (token: string, claims: AccessClaims & JWTPayload) => {
    if (cacheSize <= 0) return
    verified.set(token, claims)
    if (verified.size > cacheSize) verified.delete(verified.keys().next().value!)
  }
  return {
    async sign({ sub, sid, azp, aud, client }) {
      const { kid, privateKey } = await keys.current()
      const iat = Math.floor(now().getTime() / 1000)
      const exp = iat + ttlSeconds
      const claims = { iss: issuer, sub, aud, iat, exp, sid, azp, ...(client ? { client } : {}) }
      const input = `${headerOf(kid)}.${base64url(JSON.stringify(claims))}`
      // A JWS (RFC 7515) by hand: ECDSA P-256 over SHA-256, the signature as r || s (RFC 7518 §3.4). On this
      // thread, ~40 µs, where jose's WebCrypto path took ~70-95 µs and a hop to the threadpool and back.
      // Verifying stays with jose (every check of the token's claims); the tests verify these tokens with it.
      const signature = signWith('sha256', Buffer.from(input), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      })
      return {
        accessToken: `${input}.${signature.toString('base64url')}`,
        expiresIn: ttlSeconds,
        iat,
        exp,
      }
    },
    async verify(token) {
      const known = verified.get(token)
      if (known) {
        if (Math.floor(now().getTime() / 1000) < known.exp!) return known
        verified.delete(token)
        throw new AppError('token_expired', 'The access token has expired.')
      }
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
        remember(token, payload as AccessClaims & JWTPayload)
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
