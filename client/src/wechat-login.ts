// WechatLogin: log in with wx.login (or a phone), keep the session in wx storage, and call APIs with an
// access token that is refreshed ahead of expiry, once, however many calls need it at the same moment.
// A session the server has ended is cleared, reported, and (unless turned off) replaced by a silent login.
import { SESSION_ENDED, type ErrorCode } from './error-codes'
import { WechatLoginError } from './errors'
import { isLegacy, phoneFields } from './phone'
import { SessionStore, sharedRefresh } from './session-store'
import { callPublic, codeOf, dataOf, tokenRejected, wxLogin, wxRequest } from './transport'
import type {
  PhoneCredential,
  PhoneNumber,
  ProfilePatch,
  QrLoginRequest,
  RequestOptions,
  RequestResult,
  Session,
  SessionEnd,
  User,
  WechatLoginOptions,
  Wx,
} from './types'

declare const wx: Wx | undefined
declare const console: { warn(...args: unknown[]): void } | undefined

interface TokenAnswer {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

const notLoggedIn = () => new WechatLoginError('not_logged_in', 'Log in first.')
const endedCode = (code: string | undefined): ErrorCode | undefined =>
  code && SESSION_ENDED.indexOf(code as ErrorCode) >= 0 ? (code as ErrorCode) : undefined

export class WechatLogin {
  private readonly endpoint: string
  private readonly connection: string
  private readonly wx: Wx
  private readonly store: SessionStore
  private readonly now: () => number
  private leewayMs: number
  private readonly relogin: boolean
  private readonly onSessionEnd?: (end: SessionEnd) => void

  constructor(options: WechatLoginOptions) {
    const found = options.wx ?? (typeof wx === 'undefined' ? undefined : wx)
    if (!found) throw new Error('WechatLogin: no `wx`; pass options.wx outside a Mini Program.')
    if (!options.endpoint || !options.connection)
      throw new Error('WechatLogin: `endpoint` and `connection` are required.')
    this.endpoint = options.endpoint.replace(/\/+$/, '')
    this.connection = options.connection
    this.wx = found
    this.store = new SessionStore(found, options.storageKey || 'wechat-login-stack:session')
    this.now = options.now || Date.now
    this.leewayMs = (options.refreshLeewaySeconds ?? 60) * 1000
    this.relogin = options.relogin !== false
    this.onSessionEnd = options.onSessionEnd
  }

  /** The stored session, without a network call; null when logged out. It may have ended on the server. */
  getSession(): Session | null {
    return this.store.read()
  }

  /**
   * For `App.onLaunch`: a silent login when nothing is stored, else `GET /v1/me`, which finds out whether
   * the stored session still works (and replaces it when it does not). Resolves with the current user.
   */
  async ensureLogin(): Promise<User> {
    if (!this.store.read()) return (await this.loginByCode()).user
    return this.getCurrentUser()
  }

  /** Silent login: a fresh wx.login code each time. Creates the user unless the connection is Login Only. */
  loginByCode(): Promise<Session> {
    return this.login('login', {})
  }

  /**
   * Phone login with getPhoneNumber's `event.detail` (or its `code`). The code is single use: a second
   * call with it answers `invalid_phone_code`, so a retry needs another tap.
   */
  async loginByPhone(credential: PhoneCredential): Promise<Session> {
    return this.login('login-by-phone', phoneFields(credential))
  }

  /** Reads the phone number behind a getPhoneNumber credential (single use), without logging in or binding. */
  async getPhone(credential: PhoneCredential): Promise<PhoneNumber> {
    const fields = phoneFields(credential)
    const body = isLegacy(fields) ? { code: await wxLogin(this.wx), ...fields } : fields
    const url = `${this.endpoint}/v1/connections/${encodeURIComponent(this.connection)}/phone`
    return callPublic<PhoneNumber>(this.wx, url, body)
  }

  /** Binds the phone behind a getPhoneNumber credential (single use) to the logged-in user (409 phone_taken if another has it). */
  async bindPhone(credential: PhoneCredential): Promise<User> {
    const fields = phoneFields(credential)
    const legacy = isLegacy(fields) ? { code: await wxLogin(this.wx) } : {}
    const data = { connection: this.connection, ...legacy, ...fields }
    return this.userCall({ url: '/v1/me/phone', method: 'POST', data })
  }

  updateProfile(patch: ProfilePatch): Promise<User> {
    // wx.request cannot send PATCH; the service takes POST with this override for PATCH /v1/me.
    const header = { 'x-http-method-override': 'PATCH' }
    return this.userCall({ url: '/v1/me', method: 'POST', data: patch, header })
  }

  getCurrentUser(): Promise<User> {
    return this.userCall({ url: '/v1/me', method: 'GET' })
  }

  /**
   * wx.request with the access token (and `content-type: application/json` unless you set one): refreshed
   * first when it is about to expire, and once more (then retried) if the server answers 401
   * token_expired/token_invalid. An answer that ends the session (`session_revoked`, `user_blocked`, …)
   * clears it and, with `relogin`, logs in silently and repeats the call once; otherwise it rejects with
   * that code. Every other answer resolves, whatever its status, as wx.request does.
   */
  async request<T = unknown>(options: RequestOptions): Promise<RequestResult<T>> {
    const url = options.url.charAt(0) === '/' ? this.endpoint + options.url : options.url
    const send = (token: string) =>
      wxRequest<T>(this.wx, {
        ...options,
        url,
        header: { ...options.header, authorization: `Bearer ${token}` },
      })
    const stored = this.store.read()
    if (!stored) throw notLoggedIn()
    let token = await this.orRenew(stored.accessToken, () => this.accessToken(stored))
    let res = await send(token)
    if (tokenRejected(res)) {
      const used = token
      token = await this.orRenew(used, async () => {
        const current = this.store.read()
        if (!current) throw notLoggedIn()
        // Someone else refreshed while this call was out: their token is the fresh one.
        return (current.accessToken !== used ? current : await this.refresh(current)).accessToken
      })
      res = await send(token)
    }
    const ended = endedCode(codeOf(res))
    if (!ended || res.statusCode < 400) return res
    return send((await this.renew(token, ended, res.statusCode)).accessToken)
  }

  /** Ends the session on the server and forgets it here, even if the server cannot be reached. */
  async logout(): Promise<void> {
    const session = this.store.read()
    try {
      // Not through request(): an ended session must not log in again just to log out.
      if (session) {
        const header = { authorization: `Bearer ${await this.accessToken(session)}` }
        await wxRequest(this.wx, { url: `${this.endpoint}/v1/logout`, method: 'POST', header })
      }
    } catch {
      // The refresh token leaves with the storage below, so the session cannot be extended anyway.
    }
    this.store.clear()
  }

  /** Deletes the account and its data on the server, then forgets the session. */
  /**
   * QR login, the Mini Program's side: `scene` is `options.scene` of the page the code opened (URL-encoded
   * or not). Logs in silently first when there is no session, then answers what is being approved.
   */
  async scanQrLogin(scene: string): Promise<QrLoginRequest> {
    if (!this.store.read()) await this.loginByCode()
    return dataOf<QrLoginRequest>(await this.qrStep(scene, 'scan'))
  }

  /** Logs the web page in as the current user; call after scanQrLogin, when the person agreed. */
  async confirmQrLogin(scene: string): Promise<void> {
    dataOf(await this.qrStep(scene, 'confirm'))
  }

  /** Refuses the web login; the web page shows it cancelled. */
  async cancelQrLogin(scene: string): Promise<void> {
    dataOf(await this.qrStep(scene, 'cancel'))
  }

  /** scanQrLogin then confirmQrLogin: for a page that asks nothing before approving. */
  async approveQrLogin(scene: string): Promise<QrLoginRequest> {
    const request = await this.scanQrLogin(scene)
    await this.confirmQrLogin(scene)
    return request
  }

  async deleteAccount(): Promise<void> {
    dataOf(await this.request({ url: '/v1/me', method: 'DELETE' }))
    this.store.clear()
  }

  private qrStep(scene: string, step: string): Promise<RequestResult> {
    // WeChat hands the page the scene URL-encoded (decodeURIComponent(options.scene)); ours are URL-safe.
    const id = scene.indexOf('%') >= 0 ? decodeURIComponent(scene) : scene
    return this.request({ url: `/v1/qr-logins/${encodeURIComponent(id)}/${step}`, method: 'POST' })
  }

  private async login(path: string, body: object): Promise<Session> {
    const code = await wxLogin(this.wx)
    const url = `${this.endpoint}/v1/connections/${encodeURIComponent(this.connection)}/${path}`
    const answer = await callPublic<TokenAnswer & { user: User }>(this.wx, url, { code, ...body })
    return this.save(answer, answer.user)
  }

  private save(answer: TokenAnswer, user: User): Session {
    const ttlMs = answer.expiresIn * 1000
    if (ttlMs <= this.leewayMs) {
      // Else every call would refresh first: the server's ACCESS_TOKEN_TTL is at most our leeway.
      if (typeof console !== 'undefined')
        console.warn(
          `[wechat-login-stack] access tokens live ${answer.expiresIn} s, no longer than refreshLeewaySeconds (${this.leewayMs / 1000}); refreshing at half their life instead.`,
        )
      this.leewayMs = ttlMs / 2
    }
    const session: Session = {
      accessToken: answer.accessToken,
      refreshToken: answer.refreshToken,
      expiresAt: this.now() + ttlMs,
      user,
    }
    this.store.write(session)
    return session
  }

  private async userCall(options: RequestOptions): Promise<User> {
    const { user } = dataOf<{ user: User }>(await this.request(options))
    const session = this.store.read()
    if (session) this.store.write({ ...session, user })
    return user
  }

  private async accessToken(session: Session): Promise<string> {
    if (session.expiresAt - this.now() > this.leewayMs) return session.accessToken
    return (await this.refresh(session)).accessToken
  }

  /** POST /v1/token, shared by every caller that needs it now. */
  private refresh(session: Session): Promise<Session> {
    return sharedRefresh(this.wx, this.store.key, async () => {
      const url = `${this.endpoint}/v1/token`
      const answer = await callPublic<TokenAnswer>(this.wx, url, {
        refreshToken: session.refreshToken,
      })
      return this.save(answer, session.user)
    })
  }

  /** A token from `get`, or, when `get` finds the session over, one from renewing it. */
  private async orRenew(dead: string, get: () => Promise<string>): Promise<string> {
    try {
      return await get()
    } catch (err) {
      const ended = err instanceof WechatLoginError ? endedCode(err.code) : undefined
      if (!ended) throw err
      return (await this.renew(dead, ended, (err as WechatLoginError).status)).accessToken
    }
  }

  /**
   * The session whose access token is `dead` is over: clear it, say so once, and log in again silently
   * (one login for all the calls that found out at the same moment).
   */
  private renew(dead: string, code: ErrorCode, status: number): Promise<Session> {
    return sharedRefresh(this.wx, `${this.store.key}#renew`, async () => {
      const ended = () => new WechatLoginError(code, 'The session has ended; log in again.', status)
      const current = this.store.read()
      if (current && current.accessToken !== dead) return current // already renewed by another call
      if (!current) throw ended()
      this.store.clear()
      const relogin = this.relogin && code !== 'user_blocked'
      if (this.onSessionEnd) this.onSessionEnd({ code, relogin })
      if (!relogin) throw ended()
      return this.loginByCode()
    })
  }
}
