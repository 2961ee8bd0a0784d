// Sealing at rest: AES-256-GCM under MASTER_KEY for signing keys, session_keys and cached WeChat tokens.
// Format: "v1.<iv>.<ciphertext>.<tag>", base64url parts; the purpose is bound in as associated data so a
// sealed session_key can never be opened as a signing key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

export interface Sealer {
  seal(plaintext: string, purpose: string): string
  open(sealed: string, purpose: string): string
}

export function createSealer(masterKey: Buffer): Sealer {
  if (masterKey.length !== 32) throw new Error('MASTER_KEY must be 32 bytes')
  const key = Buffer.from(masterKey)
  return {
    seal(plaintext, purpose) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(purpose))
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const parts = [iv, ct, cipher.getAuthTag()].map((b) => b.toString('base64url'))
      return `v1.${parts.join('.')}`
    },
    open(sealed, purpose) {
      const [version, iv, ct, tag] = sealed.split('.')
      if (version !== 'v1' || iv === undefined || ct === undefined || tag === undefined) {
        throw new Error('not a sealed value')
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAAD(Buffer.from(purpose))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      const pt = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()])
      return pt.toString('utf8')
    },
  }
}
