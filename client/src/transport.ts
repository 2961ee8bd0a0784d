// Promises over wx's callback APIs, and one JSON call to our API. Plain ES2017: WeChat's older runtimes
// lack Promise.prototype.finally and friends, so none are used here.
import { errorFromResponse, WechatLoginError } from './errors'
import type { RequestOptions, RequestResult, Wx } from './types'

/**
 * The caller's headers with `content-type: application/json` unless they name one. wx.request happens to
 * default to JSON too, but a default is not a contract; the service answers anything else with 415.
 */
export function withJsonType(header: object | undefined): Record<string, string> {
  const out = { ...(header as Record<string, string>) }
  if (!Object.keys(out).some((k) => k.toLowerCase() === 'content-type'))
    out['content-type'] = 'application/json'
  return out
}

/** Resolves with every answer, whatever its status (as wx.request does); rejects only when none came. */
export function wxRequest<T = unknown>(wx: Wx, options: RequestOptions): Promise<RequestResult<T>> {
  return new Promise((resolve, reject) => {
    wx.request({
      ...options,
      header: withJsonType(options.header),
      success: (res) => resolve(res as RequestResult<T>),
      fail: (err) =>
        reject(new WechatLoginError('network_error', err.errMsg || 'The request failed.')),
    })
  })
}

/** A fresh wx.login code: single use, so every login asks for a new one. */
export function wxLogin(wx: Wx): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => {
        if (res.code) resolve(res.code)
        else reject(new WechatLoginError('wx_login_failed', res.errMsg || 'wx.login gave no code.'))
      },
      fail: (err) =>
        reject(new WechatLoginError('wx_login_failed', err.errMsg || 'wx.login failed.')),
    })
  })
}

/** The answer's data when it is a 2xx, else its error as a WechatLoginError. */
export function dataOf<T>(res: RequestResult): T {
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data as T
  throw errorFromResponse(res.statusCode, res.data)
}

/** A call that needs no token: the logins, reading a phone number, the refresh. */
export async function callPublic<T>(wx: Wx, url: string, body: object): Promise<T> {
  return dataOf<T>(await wxRequest(wx, { url, method: 'POST', data: body }))
}

/** Whether a 401 says the access token itself is stale: our error codes, or RFC 6750's header. */
export function tokenRejected(res: RequestResult): boolean {
  if (res.statusCode !== 401) return false
  const code = codeOf(res)
  if (code === 'token_expired' || code === 'token_invalid') return true
  const header = res.header as Record<string, unknown> | undefined
  const name = header && Object.keys(header).find((k) => k.toLowerCase() === 'www-authenticate')
  return !!name && /error="?invalid_token/.test(String(header[name]))
}

/** Our error code in an answer's body, if it has one. */
export function codeOf(res: RequestResult): string | undefined {
  const code = (res.data as { error?: { code?: unknown } } | null)?.error?.code
  return typeof code === 'string' ? code : undefined
}
