// Legacy encryptedData (wx.getUserInfo, old getPhoneNumber): AES-128-CBC/PKCS#7 under the session_key, then the
// watermark checks the doc requires (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html). Every rejection is the same
// error with the same message: an answer that told bad padding from bad plaintext would be a CBC padding
// oracle, through which a caller forges data under their own session_key (a victim's phone number).
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
  /** The service's clock: `watermark.timestamp` (the user's tap) must be recent. */
  now: Date
}

/**
 * How old the user's tap may be: the login code that comes with the data lives 5 minutes too (wx.login's doc). A tap
 * "in the future" (WeChat's clock ahead of ours) is no replay, so only age is bounded.
 */
export const WATERMARK_MAX_AGE_SECONDS = 300

/** Why the data was refused: for the log only, never for the answer. */
export type RejectReason =
  | 'session_key'
  | 'iv'
  | 'length'
  | 'padding'
  | 'json'
  | 'watermark_appid'
  | 'watermark_stale'
  | 'no_phone'

export class EncryptedDataRejected extends AppError {
  constructor(readonly reason: RejectReason) {
    super(
      'invalid_encrypted_data',
      'The encrypted phone data could not be used; get a new code, encryptedData and iv, or send a phoneCode.',
    )
  }
}

function base64(value: unknown): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0)
}

function decrypt(input: EncryptedInput): string {
  // The official demos check these lengths first (IllegalAesKey -41001, IllegalIv -41002).
  const key = base64(input.sessionKey)
  if (key.length !== 16) throw new EncryptedDataRejected('session_key')
  const iv = base64(input.iv)
  if (iv.length !== 16) throw new EncryptedDataRejected('iv')
  const data = base64(input.encryptedData)
  if (data.length === 0 || data.length % 16 !== 0) throw new EncryptedDataRejected('length')
  try {
    const decipher = createDecipheriv('aes-128-cbc', key, iv) // setAutoPadding(true): PKCS#7
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')
  } catch {
    throw new EncryptedDataRejected('padding')
  }
}

export function decryptWeChatData(input: EncryptedInput): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(decrypt(input))
  } catch (err) {
    if (err instanceof EncryptedDataRejected) throw err
    throw new EncryptedDataRejected('json')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new EncryptedDataRejected('json')
  // "the caller must check watermark.appid == own appid" (IllegalBuffer -41003 in the demos).
  const watermark = (parsed as { watermark?: { appid?: unknown; timestamp?: unknown } }).watermark
  if (watermark?.appid !== input.appId) throw new EncryptedDataRejected('watermark_appid')
  // A fresh tap, so that data captured once (or forged slowly) cannot be replayed later.
  const age = input.now.getTime() / 1000 - Number(watermark.timestamp)
  if (typeof watermark.timestamp !== 'number' || !(age <= WATERMARK_MAX_AGE_SECONDS))
    throw new EncryptedDataRejected('watermark_stale')
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
    throw new EncryptedDataRejected('no_phone')
  let e164: string
  try {
    e164 = toE164(countryCode, purePhoneNumber)
  } catch {
    throw new EncryptedDataRejected('no_phone')
  }
  return {
    e164,
    phoneNumber: typeof phoneNumber === 'string' ? phoneNumber : purePhoneNumber,
    purePhoneNumber,
    countryCode: String(countryCode),
  }
}
