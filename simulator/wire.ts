// WeChat's wire format as the simulator speaks it: identifier shapes, errcodes and bodies (WeChat's server API documentation, developers.weixin.qq.com).
import { createHash, randomBytes } from 'node:crypto'

/** Paths the simulator serves as WeChat, and whose calls it counts in `/__sim/stats`. */
export const wechatPaths = [
  '/sns/jscode2session',
  '/cgi-bin/stable_token',
  '/cgi-bin/token',
  '/wxa/business/getuserphonenumber',
  '/wxa/getwxacodeunlimit',
] as const
export type WeChatPath = (typeof wechatPaths)[number]

/** A WeChat error: always answered as HTTP 200 `{errcode, errmsg}` ("Errors come back as HTTP 200"). */
export class WxError extends Error {
  constructor(
    readonly errcode: number,
    message?: string,
  ) {
    super(message ?? defaultMessages[errcode] ?? 'unknown error')
    this.name = 'WxError'
  }
}

/** errmsg texts as the docs and observed responses spell them; clients match on errcode only. */
export const defaultMessages: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40013: 'invalid appid',
  40029: 'invalid code',
  40125: 'invalid appsecret',
  40097: 'invalid args',
  40163: 'code been used',
  40226: 'code blocked',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  41030: 'invalid page',
  42001: 'access_token expired',
  40164: 'invalid ip, not in whitelist',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit mustslower retry next minute',
  47001: 'data format error',
  48001: 'api unauthorized',
}

/** 40164 names the caller as WeChat saw it: "invalid ip 8.149.XXX.108 ipv6 ::ffff:8.149.XXX.108, not in whitelist rid: …" (ip_whitelist doc). */
export function notWhitelisted(ip: string): WxError {
  const v4 = ip.replace(/^::ffff:/, '')
  return new WxError(40164, `invalid ip ${v4} ipv6 ::ffff:${v4}, not in whitelist`)
}

/** The newer request-id suffix, e.g. `rid: 626d6eea-742b9141-407c26f8` (wire facts, [observed]). */
export function rid(): string {
  const h = randomBytes(12).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 16)}-${h.slice(16)}`
}

/** A default errmsg gets a rid suffix; an injected errmsg is sent verbatim so tests can mimic old `hints:` forms. */
export function errorBody(errcode: number, errmsg?: string) {
  return { errcode, errmsg: errmsg ?? `${defaultMessages[errcode] ?? 'error'}, rid: ${rid()}` }
}

const alphanumeric = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A wx.login code: 32 chars of [0-9A-Za-z] (as observed in real codes). Rejection sampling keeps it unbiased. */
export function newLoginCode(): string {
  let code = ''
  while (code.length < 32) {
    for (const byte of randomBytes(40)) {
      if (byte < 248 && code.length < 32) code += alphanumeric[byte % 62]
    }
  }
  return code
}

/** A phone code: 64 hex chars like the doc sample (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-info/phone-number/api_getphonenumber). */
export const newPhoneCode = (): string => randomBytes(32).toString('hex')

/** session_key: base64 of 16 random bytes, 24 chars ending in `==`, as in WeChat's samples. */
export const newSessionKey = (): string => randomBytes(16).toString('base64')

/** Access tokens are opaque; the doc asks callers to keep 512 chars of room (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html), so make them long-ish. */
export const newAccessToken = (): string => randomBytes(120).toString('base64url')

const digest = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\0')).digest('base64url')

/** openid: deterministic per (appid, user); 28 chars of [A-Za-z0-9_-] starting with `o`, like every sample in WeChat's docs. */
export const openidFor = (appId: string, user: string): string =>
  `o${digest('openid', appId, user).slice(0, 27)}`

/** unionid: deterministic per (Open Platform account, user), so every app on that account agrees. */
export const unionidFor = (openPlatform: string, user: string): string =>
  `o${digest('unionid', openPlatform, user).slice(0, 27)}`

/** `phone_info` of getuserphonenumber: countryCode a string as in captured responses. */
export function phoneInfo(phoneNumber: string, countryCode: string, appId: string, nowMs: number) {
  return {
    // "phoneNumber (for foreign numbers it carries the country code)"
    phoneNumber: countryCode === '86' ? phoneNumber : `+${countryCode}${phoneNumber}`,
    purePhoneNumber: phoneNumber,
    countryCode,
    watermark: { timestamp: Math.floor(nowMs / 1000), appid: appId },
  }
}
