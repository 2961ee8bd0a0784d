// WeChat's message-push signatures and safe-mode decryption (消息推送, WXBizMsgCrypt): a SHA-1 over the sorted
// strings, compared in constant time, and AES-256-CBC under the EncodingAESKey with a 32-byte PKCS#7 padding.
// https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html
// https://developers.weixin.qq.com/doc/oplatform/developers/dev/push/encryption.html
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'

/** sha1 of the strings sorted lexicographically and joined: `signature` and, with `Encrypt`, `msg_signature`. */
export function pushSignature(parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex')
}

/** Whether `given` is the signature of `parts`, compared in constant time (a SHA-1 hex digest is 40 long). */
export function signatureMatches(given: string | undefined, parts: string[]): boolean {
  const expected = Buffer.from(pushSignature(parts))
  const actual = Buffer.from(given ?? '')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** The 32-byte AES key: the 43 characters of the EncodingAESKey plus "=", base64-decoded. */
export const aesKeyOf = (encodingAesKey: string) => Buffer.from(`${encodingAesKey}=`, 'base64')

/** WeChat pads the plaintext to 32-byte blocks, not AES's 16 (WXBizMsgCrypt's PKCS7Encoder). */
const BLOCK = 32

export class PushDecryptError extends Error {
  constructor(readonly reason: 'length' | 'padding' | 'layout') {
    super(`the encrypted push could not be decrypted (${reason})`)
    this.name = 'PushDecryptError'
  }
}

/**
 * Decrypts `Encrypt`: 16 random bytes ‖ the message's length (uint32, big-endian) ‖ the message ‖ the AppID
 * it was sent for. The caller checks that AppID against the connection's.
 */
export function decryptPush(
  encodingAesKey: string,
  encrypted: string,
): { message: string; appId: string } {
  const key = aesKeyOf(encodingAesKey)
  const data = Buffer.from(encrypted, 'base64')
  if (data.length === 0 || data.length % 16 !== 0) throw new PushDecryptError('length')
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16))
  decipher.setAutoPadding(false)
  const plain = Buffer.concat([decipher.update(data), decipher.final()])
  const pad = plain[plain.length - 1]!
  if (pad < 1 || pad > BLOCK || pad > plain.length) throw new PushDecryptError('padding')
  if (!plain.subarray(plain.length - pad).every((b) => b === pad))
    throw new PushDecryptError('padding')
  const body = plain.subarray(16, plain.length - pad)
  if (body.length < 4) throw new PushDecryptError('layout')
  const length = body.readUInt32BE(0)
  if (length > body.length - 4) throw new PushDecryptError('layout')
  return {
    message: body.subarray(4, 4 + length).toString('utf8'),
    appId: body.subarray(4 + length).toString('utf8'),
  }
}
