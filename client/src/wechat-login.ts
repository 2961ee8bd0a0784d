// WechatLogin: log in with wx.login (or a phone), keep the session in wx storage, and call APIs with an
// access token that is refreshed ahead of expiry, once, however many calls need it at the same moment.
import { WechatLoginError } from './errors'
import { SessionStore, sharedRefresh } from './session-store'
import { callPublic, dataOf, tokenRejected, wxLogin, wxRequest } from './transport'
import type {
  PhoneNumber,
  ProfilePatch,
  QrLoginRequest,
  RequestOptions,
  RequestResult,
  Session,
  User,
  WechatLoginOptions,
  Wx,
} from './types'

declare const wx: Wx | undefined

interface TokenAnswer {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

/** Refresh answers that mean the session is over: only a new login helps. */
const SESSION_OVER = ['refresh_token_reused', 'refresh_token_invalid', 'session_revoked']

const notLoggedIn = () => new WechatLoginError('not_logged_in', 'Log in first.')

export class WechatLogin {
  private readonly endpoint: string
  private readonly connection: string
  private readonly wx: Wx
  private readonly store: SessionStore
  private readonly now: () => number
  private readonly leewayMs: number

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
  }

  /** The stored session, without a network call; null when logged out. */
  getSession(): Session | null {
    return this.store.read()
  }

  /** Silent login: a fresh wx.login code each time. Creates the user unless the connection is Login Only. */
  loginByCode(): Promise<Session> {
    return this.login('login', {})
  }

  /** Phone login with the code of `<button open-type="getPhoneNumber">` (event.detail.code). */
  loginByPhone(phoneCode: string): Promise<Session> {
    return this.login('login-by-phone', { phoneCode })
  }

  /** Reads the phone number behind a getPhoneNumber code, without logging in or binding it. */
  getPhone(phoneCode: string): Promise<PhoneNumber> {
    const url = `${this.endpoint}/v1/connections/${encodeURIComponent(this.connection)}/phone`
    return callPublic<PhoneNumber>(this.wx, url, { phoneCode })
  }

  /** Binds the phone behind a getPhoneNumber code to the logged-in user (409 phone_taken if another has it). */
  bindPhone(phoneCode: string): Promise<User> {
    const data = { connection: this.connection, phoneCode }
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

  /**
   * wx.request with the access token: refreshed first when it has under a minute left, and once more
   * (then retried) if the server answers 401 token_expired/token_invalid. Resolves with every answer, as
   * wx.request does; rejects with a WechatLoginError when logged out or when no answer came.
   */
  async request(options: RequestOptions): Promise<RequestResult> {
    const url = options.url.charAt(0) === '/' ? this.endpoint + options.url : options.url
    const send = (token: string) =>
      wxRequest(this.wx, {
        ...options,
        url,
        header: { ...options.header, authorization: `Bearer ${token}` },
      })
    const token = await this.accessToken()
    const first = await send(token)
    if (!tokenRejected(first)) return first
    const current = this.store.read()
    if (!current) throw notLoggedIn()
    // Someone else refreshed while this call was out: their token is the fresh one.
    const fresh = current.accessToken !== token ? current : await this.refresh()
    return send(fresh.accessToken)
  }

  /** Ends the session on the server and forgets it here, even if the server cannot be reached. */
  async logout(): Promise<void> {
    try {
      if (this.store.read()) dataOf(await this.request({ url: '/v1/logout', method: 'POST' }))
    } catch {
      // The refresh token leaves with the storage below, so the session cannot be extended anyway.
    }
    this.store.clear()
  }

  /** Deletes the account and its data on the server, then forgets the session. */
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
    const session: Session = {
      accessToken: answer.accessToken,
      refreshToken: answer.refreshToken,
      expiresAt: this.now() + answer.expiresIn * 1000,
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

  private async accessToken(): Promise<string> {
    const session = this.store.read()
    if (!session) throw notLoggedIn()
    if (session.expiresAt - this.now() > this.leewayMs) return session.accessToken
    return (await this.refresh()).accessToken
  }

  /** POST /v1/token, shared by every caller that needs it now. A dead session clears storage. */
  private refresh(): Promise<Session> {
    return sharedRefresh(this.wx, this.store.key, async () => {
      const session = this.store.read()
      if (!session) throw notLoggedIn()
      try {
        const url = `${this.endpoint}/v1/token`
        const answer = await callPublic<TokenAnswer>(this.wx, url, {
          refreshToken: session.refreshToken,
        })
        return this.save(answer, session.user)
      } catch (err) {
        if (err instanceof WechatLoginError && SESSION_OVER.indexOf(err.code) >= 0)
          this.store.clear()
        throw err
      }
    })
  }
}
