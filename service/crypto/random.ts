// Random identifiers, opaque tokens and their hashes, and constant-time comparison.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'

/** 32 random bytes, base64url: an opaque refresh token. */
export const randomToken = (): string => randomBytes(32).toString('base64url')

export const randomId = (): string => randomUUID()

/** Refresh tokens are stored only as this hash. They carry 256 bits, so a plain SHA-256 suffices. */
export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('base64url')

/** Compares two secrets without leaking, through timing, how much of them matched. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}
