// Sealing at rest: AES-256-GCM under MASTER_KEY for signing keys, session_keys and cached WeChat tokens.
// Format: "v1.<iv>.<ciphertext>.<tag>", base64url parts; the purpose is bound in as associated data so a
// sealed session_key can never be opened as a signing key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

export interface Sealer {
  seal(plaintext: string, purpose: string): string
  open(sealed: string, purpose: string): string
}

// GCM verifies only as many tag bytes as it is given: a 4-byte tag would make a forgery a 2^32 search
// (NIST SP 800-38D §5.2.1.2), so both lengths are pinned rather than read from the stored value.
const IV_BYTES = 12
const TAG_BYTES = 16

export function createSealer(masterKey: Buffer): Sealer {
  if (masterKey.length !== 32) throw new Error('MASTER_KEY must be 32 bytes')
  const key = Buffer.from(masterKey)
  return {
    seal(plaintext, purpose) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
      cipher.setAAD(Buffer.from(purpose))
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const parts = [iv, ct, cipher.getAuthTag()].map((b) => b.toString('base64url'))
      return `v1.${parts.join('.')}`
    },
    open(sealed, purpose) {
      const [version, ivText, ct, tagText, extra] = sealed.split('.')
      if (version !== 'v1' || ct === undefined || extra !== undefined) {
        throw new Error('not a sealed value')
      }
      const iv = Buffer.from(ivText ?? '', 'base64url')
      const tag = Buffer.from(tagText ?? '', 'base64url')
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('not a sealed value')
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
      decipher.setAAD(Buffer.from(purpose))
      decipher.setAuthTag(tag)
      const pt = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()])
      return pt.toString('utf8')
    },
  }
}
