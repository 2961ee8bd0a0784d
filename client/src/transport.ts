// Promises over wx's callback APIs, and one JSON call to our API. Plain ES2017: WeChat's older runtimes
// lack Promise.prototype.finally and friends, so none are used here.
import { errorFromResponse, WechatLoginError } from './errors'
import type { RequestOptions, RequestResult, Wx } from './types'

/** Resolves with every answer, whatever its status (as wx.request does); rejects only when none came. */
export function wxRequest(wx: Wx, options: RequestOptions): Promise<RequestResult> {
  return new Promise((resolve, reject) => {
    wx.request({
      ...options,
      success: (res) => resolve(res),
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
  const header = { 'content-type': 'application/json' }
  return dataOf<T>(await wxRequest(wx, { url, method: 'POST', data: body, header }))
}

/** Whether a 401 says the access token itself is stale: our error codes, or RFC 6750's header. */
export function tokenRejected(res: RequestResult): boolean {
  if (res.statusCode !== 401) return false
  const code = (res.data as { error?: { code?: unknown } } | null)?.error?.code
  if (code === 'token_expired' || code === 'token_invalid') return true
  const header = res.header as Record<string, unknown> | undefined
  const name = header && Object.keys(header).find((k) => k.toLowerCase() === 'www-authenticate')
  return !!name && /error="?invalid_token/.test(String(header[name]))
}
