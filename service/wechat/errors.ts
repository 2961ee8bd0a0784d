// WeChat errcode → AppError: the only place that knows what WeChat's numbers mean (WeChat's documentation).
import { AppError, type ErrorCode } from '../errors'
import type { Logger } from '../log'

export type WeChatApi =
  'jscode2session' | 'stable_token' | 'getuserphonenumber' | 'getwxacodeunlimit'

interface Rule {
  code: ErrorCode
  message: string
  retryAfter?: number
}

const busy: Rule = {
  code: 'wechat_unavailable',
  message: 'WeChat is busy; try again shortly.',
  retryAfter: 1,
}
const rateLimited: Rule = {
  code: 'wechat_rate_limited',
  message: 'WeChat is rate limiting these calls; try again in a minute.',
  retryAfter: 60,
}
const misconfigured: Rule = {
  code: 'wechat_misconfigured',
  message:
    'The WeChat connection is misconfigured; an operator must check the AppID, AppSecret and IP whitelist.',
}
const tokenInvalid: Rule = {
  code: 'wechat_token_invalid',
  message: 'The WeChat access token was rejected.',
  retryAfter: 1,
}

/** Errors of the app's credentials or account, the same on every API that takes the AppSecret. */
const credentialRules: Record<number, Rule> = {
  40013: misconfigured, // invalid appid
  40125: misconfigured, // "invalid appsecret" [observed], also returned by jscode2session itself
  41002: misconfigured, // appid missing
  41004: misconfigured, // appsecret missing
  // IP whitelist: https://developers.weixin.qq.com/doc/oplatform/developers/basic_func/ip_whitelist
  40164: {
    code: 'wechat_ip_not_whitelisted',
    message:
      "WeChat refused this server's address; an operator must add the stack's egress IP to the Mini Program's API IP whitelist.",
  },
  40243: misconfigured, // AppSecret frozen: https://developers.weixin.qq.com/doc/oplatform/developers/dev/api
  // New egress IP awaiting admin confirmation; succeeds once approved:
  // https://developers.weixin.qq.com/community/minihome/doc/00026e3d380f1818352acf32456000
  89503: misconfigured,
}

const rules: Record<WeChatApi, Record<number, Rule>> = {
  // https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_code2session (错误码)
  jscode2session: {
    ...credentialRules,
    [-1]: busy,
    40029: { code: 'invalid_code', message: 'The login code is invalid or expired.' },
    // 40163 "code been used" is not in the doc table, only in real responses.
    40163: { code: 'invalid_code', message: 'The login code has already been used.' },
    41008: { code: 'invalid_code', message: 'The login code is missing.' },
    // 用户安全解方案: WeChat flagged the user as high-risk and refuses the login.
    40226: { code: 'wechat_user_blocked', message: 'WeChat blocked this login as high-risk.' },
    45011: rateLimited, // older doc: 100 per minute per user
  },
  // https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken
  stable_token: {
    ...credentialRules,
    [-1]: busy,
    // For AppSecret APIs 40001 means "AppSecret 错误或者 AppSecret 不属于这个账号" (getAccessToken doc).
    40001: misconfigured,
    // force_refresh is limited to 20 a day; 45009 past that [observed].
    45009: { ...rateLimited, message: 'WeChat refused another access token refresh today.' },
    45011: rateLimited,
  },
  // https://developers.weixin.qq.com/miniprogram/dev/server/API/user-info/phone-number/api_getphonenumber
  getuserphonenumber: {
    [-1]: busy,
    40029: { code: 'invalid_phone_code', message: 'The phone code is invalid, used or expired.' },
    // 40001 "not latest" / 42001 expired / 41001 missing: the caller refreshes the token once and retries.
    40001: tokenInvalid,
    42001: tokenInvalid,
    41001: tokenInvalid,
    // The token and the phone code belong to different appids (observed). Our token is the connection's own (a
    // wrong AppID fails at stable_token first), so the code came from another Mini Program: the caller's
    // bad input, not an operator's alarm.
    40013: {
      code: 'invalid_phone_code',
      message: 'The phone code was issued to another Mini Program.',
    },
    48001: misconfigured, // api unauthorized: the app is not certified or lacks the paid phone feature
    45011: rateLimited,
  },
  // https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html
  getwxacodeunlimit: {
    [-1]: busy,
    40001: tokenInvalid,
    42001: tokenInvalid,
    41001: tokenInvalid,
    // 41030: the page does not exist, or is not in the published version while check_path is true.
    41030: {
      code: 'wechat_misconfigured',
      message:
        "WeChat refused the connection's qrLoginPage: it must be a page of the published Mini Program (or set qrLoginEnvVersion).",
    },
    40097: {
      code: 'wechat_misconfigured',
      message: 'WeChat refused the Mini Program code request as invalid; check qrLoginPage.',
    },
    40013: misconfigured,
    45009: {
      ...rateLimited,
      message: 'WeChat is rate limiting Mini Program codes; try again in a minute.',
    },
    45011: rateLimited,
  },
}

export interface ErrorContext {
  connectionId: string
  api: WeChatApi
  logger?: Logger
}

/**
 * Maps a non-zero errcode. The fields go on the request's log line; a configuration error also gets a line
 * of its own at level error, since only an operator can fix it.
 */
export function mapWeChatError(errcode: number, errmsg: unknown, ctx: ErrorContext): AppError {
  const rule = rules[ctx.api][errcode]
  // errmsg is WeChat's text (e.g. "invalid ip …, not in whitelist, rid: …"); it never echoes our secret or code.
  const log = {
    connectionId: ctx.connectionId,
    api: ctx.api,
    errcode,
    errmsg: String(errmsg ?? '').slice(0, 200),
  }
  if (!rule)
    return new AppError('wechat_error', `WeChat answered with an unexpected error (${errcode}).`, {
      details: { errcode },
      log,
    })
  if (rule.code === 'wechat_misconfigured' || rule.code === 'wechat_ip_not_whitelisted')
    ctx.logger?.error(log, 'WeChat connection misconfigured')
  return new AppError(rule.code, rule.message, {
    retryAfter: rule.retryAfter,
    details: { errcode },
    log,
  })
}

/** Timeout, connection failure, non-200 status or non-JSON body: WeChat is unreachable for now. */
export function wechatUnavailable(ctx: ErrorContext, reason: string, cause?: unknown): AppError {
  return new AppError('wechat_unavailable', 'WeChat could not be reached; try again shortly.', {
    retryAfter: 1,
    cause,
    log: { connectionId: ctx.connectionId, api: ctx.api, reason },
  })
}
