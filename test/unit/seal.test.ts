// Sealing at rest (crypto/seal.ts): AES-256-GCM with the tag and IV lengths pinned, so a stored value cannot
// be forged by shortening its tag.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSealer } from '../../service/crypto/seal'

const sealer = createSealer(randomBytes(32))
const parts = (sealed: string) => sealed.split('.')
const b64 = (text: string) => Buffer.from(text, 'base64url')
const join = (p: string[]) => p.join('.')

describe('createSealer', () => {
  it('opens what it sealed, for the same purpose only', () => {
    const sealed = sealer.seal('session-key-material', 'session_key')
    expect(sealer.open(sealed, 'session_key')).toBe('session-key-material')
    expect(() => sealer.open(sealed, 'signing_key')).toThrow()
  })

  it('seals with a 12-byte IV and a 16-byte tag', () => {
    const [, iv, , tag] = parts(sealer.seal('x', 'p'))
    expect(b64(iv!)).toHaveLength(12)
    expect(b64(tag!)).toHaveLength(16)
  })

  it('refuses a value whose tag was truncated to 4 bytes', () => {
    // The attack: GCM checks only the tag bytes it is handed, so a 4-byte prefix of the right tag
    // passes, and a forger needs to guess 32 bits instead of 128.
    const p = parts(sealer.seal('secret', 'session_key'))
    p[3] = b64(p[3]!).subarray(0, 4).toString('base64url')
    expect(() => sealer.open(join(p), 'session_key')).toThrow('not a sealed value')
  })

  it('refuses tags of every length but 16, and IVs of every length but 12', () => {
    const p = parts(sealer.seal('secret', 'p'))
    const tag = b64(p[3]!)
    for (const n of [0, 4, 8, 12, 13, 15]) {
      const q = [...p]
      q[3] = tag.subarray(0, n).toString('base64url')
      expect(() => sealer.open(join(q), 'p'), `tag of ${n} bytes`).toThrow()
    }
    for (const n of [8, 16]) {
      const q = [...p]
      q[1] = randomBytes(n).toString('base64url')
      expect(() => sealer.open(join(q), 'p'), `iv of ${n} bytes`).toThrow('not a sealed value')
    }
  })

  it('refuses a flipped ciphertext bit and extra parts', () => {
    const p = parts(sealer.seal('secret', 'p'))
    const ct = b64(p[2]!)
    ct[0]! ^= 1
    expect(() => sealer.open(join([p[0]!, p[1]!, ct.toString('base64url'), p[3]!]), 'p')).toThrow()
    expect(() => sealer.open(`${join(p)}.extra`, 'p')).toThrow('not a sealed value')
  })
})
