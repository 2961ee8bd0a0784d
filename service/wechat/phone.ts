// Phone numbers as WeChat hands them over (countryCode + purePhoneNumber), normalised to E.164 for storage.
import { AppError } from '../errors'

/**
 * '86', '13800138000' → '+8613800138000'. countryCode may be a string or a number: the doc calls it a string
 * but its sample shows `86` (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-info/phone-number/api_getphonenumber). The input comes from WeChat, so malformed input is a
 * `wechat_error`, and the message never repeats the number.
 */
export function toE164(countryCode: string | number, purePhoneNumber: string): string {
  const cc = String(countryCode).trim().replace(/^\+/, '')
  const national = typeof purePhoneNumber === 'string' ? purePhoneNumber.trim() : ''
  // E.164: a 1–3 digit country code and at most 15 digits in all.
  if (
    !/^[1-9]\d{0,2}$/.test(cc) ||
    !/^\d{4,14}$/.test(national) ||
    cc.length + national.length > 15
  )
    throw new AppError('wechat_error', 'WeChat returned a malformed phone number.')
  return `+${cc}${national}`
}

/** The number as people in mainland China write it (and Authing shows it): '+8613800138000' → '13800138000'; others stay E.164. */
export function nationalNumber(e164: string): string {
  return e164.startsWith('+86') ? e164.slice(3) : e164
}

export interface PhoneInfo {
  e164: string
  phoneNumber: string
  purePhoneNumber: string
  countryCode: string
  watermarkAppId: string
}

/** A non-empty string from WeChat's JSON, else undefined. */
export const text = (value: unknown) =>
  typeof value === 'string' && value !== '' ? value : undefined

/** phone_info of getuserphonenumber, checked against the calling app's watermark; countryCode is a string in real responses but a number in the doc sample: take both. */
export function readPhoneInfo(value: unknown, appId: string): PhoneInfo {
  const info = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const watermark = info.watermark as { appid?: unknown } | null | undefined
  const purePhoneNumber = text(info.purePhoneNumber)
  const cc = info.countryCode
  if (!purePhoneNumber || (typeof cc !== 'string' && typeof cc !== 'number'))
    throw new AppError('wechat_error', 'WeChat answered without a phone number.')
  if (watermark?.appid !== appId)
    throw new AppError(
      'wechat_error',
      'WeChat answered a phone number watermarked for another app.',
    )
  return {
    e164: toE164(cc, purePhoneNumber),
    phoneNumber: text(info.phoneNumber) ?? purePhoneNumber,
    purePhoneNumber,
    countryCode: String(cc),
    watermarkAppId: appId,
  }
}
