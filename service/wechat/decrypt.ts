// Legacy encryptedData (wx.getUserInfo, old getPhoneNumber): AES-128-CBC/PKCS#7 under the session_key, then the
// watermark check the doc requires (open-ability/signature.md; wechat-api.md §4).
import { createDecipheriv } from 'node:crypto'
import { AppError } from '../errors'
import { toE164 } from './phone'

export interface EncryptedInput {
  /** base64 of the 16-byte session_key; never logged, never put in a message. */
  sessionKey: string
  iv: string
  encryptedData: string
  /** The app the data must be for: `watermark.appid` has to equal it. */
  appId: string
}

const invalid = (check: string) =>
  new AppError('invalid_encrypted_data', `Encrypted data rejected: ${check}.`)

function base64(value: unknown): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0)
}

export function decryptWeChatData(input: EncryptedInput): Record<string, unknown> {
  // The official demos check these lengths first (IllegalAesKey -41001, IllegalIv -41002).
  const key = base64(input.sessionKey)
  if (key.length !== 16) throw invalid('the session key is not 16 bytes of base64')
  const iv = base64(input.iv)
  if (iv.length !== 16) throw invalid('the iv is not 16 bytes of base64')
  const data = base64(input.encryptedData)
  if (data.length === 0 || data.length % 16 !== 0)
    throw invalid('the ciphertext is not a whole number of 16-byte blocks')

  let plaintext: string
  try {
    const decipher = createDecipheriv('aes-128-cbc', key, iv) // setAutoPadding(true): PKCS#7
    plaintext = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')
  } catch {
    throw invalid('the padding is wrong (wrong session key or iv, or altered data)')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(plaintext)
  } catch {
    throw invalid('the plaintext is not JSON (wrong session key or iv?)')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('the plaintext is not a JSON object')
  // "the caller must check watermark.appid == own appid" (IllegalBuffer -41003 in the demos).
  const watermark = (parsed as { watermark?: { appid?: unknown } }).watermark
  if (watermark?.appid !== input.appId) throw invalid('the watermark is for another app')
  return parsed as Record<string, unknown>
}

export interface DecryptedPhone {
  e164: string
  phoneNumber: string
  purePhoneNumber: string
  countryCode: string
}

/** Old getPhoneNumber data; countryCode may be a string or a number, other fields may appear (parse leniently). */
export function decryptPhoneData(input: EncryptedInput): DecryptedPhone {
  const data = decryptWeChatData(input)
  const { phoneNumber, purePhoneNumber, countryCode } = data
  if (
    typeof purePhoneNumber !== 'string' ||
    (typeof countryCode !== 'string' && typeof countryCode !== 'number')
  )
    throw invalid('it carries no phone number')
  let e164: string
  try {
    e164 = toE164(countryCode, purePhoneNumber)
  } catch {
    throw invalid('the phone number in it is malformed')
  }
  return {
    e164,
    phoneNumber: typeof phoneNumber === 'string' ? phoneNumber : purePhoneNumber,
    purePhoneNumber,
    countryCode: String(countryCode),
  }
}
