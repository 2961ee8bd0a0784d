// The simulated WeChat world: apps, users' session keys, login and phone codes, tokens, faults, call counts, clock.
import { createCipheriv, randomBytes } from 'node:crypto'
import { FaultQueue } from './faults'
import { TokenStore } from './tokens'
import * as wire from './wire'
import type { WxaCode } from './wxacode'

/** One Mini Program. Apps sharing `openPlatform` belong to one Open Platform account and share unionids. */
export interface SimApp {
  appId: string
  secret: string
  openPlatform?: string
  /**
   * The API IP whitelist (开发者ID → IP白名单). When set, the APIs WeChat documents as guarded answer 40164
   * to any other caller; absent, nothing is checked (whether jscode2session checks the whitelist is not documented).
   */
  ipWhitelist?: string[]
  /** Pages of the published version: getwxacodeunlimit with check_path refuses any other (41030). */
  pages?: string[]
}

export interface SimIdentity {
  openid: string
  unionid?: string
  sessionKey: string
}

interface LoginCode {
  appId: string
  user: string
  issuedAt: number
  used: boolean
}

interface PhoneCode {
  appId: string
  phoneNumber: string
  countryCode: string
  /** The person who tapped the button; absent for a code minted without naming one. */
  openid?: string
  issuedAt: number
  used: boolean
}

/** Both kinds of code live 5 minutes ("有效期五分钟", wx.login doc; "code的有效期为5min", getPhoneNumber doc). */
export const codeLifetimeMs = 5 * 60_000

export class SimState {
  readonly apps = new Map<string, SimApp>()
  readonly tokens = new TokenStore(() => this.now())
  readonly faults = new FaultQueue()
  calls: Record<wire.WeChatPath, number> = zeroCalls()
  /** The latest Mini Program codes drawn (getwxacodeunlimit), newest last. */
  readonly wxaCodes: WxaCode[] = []
  private readonly sessionKeys = new Map<string, string>()
  private readonly loginCodes = new Map<string, LoginCode>()
  private readonly phoneCodes = new Map<string, PhoneCode>()
  private offsetMs = 0

  constructor(
    private readonly initialApps: readonly SimApp[],
    private readonly clock: () => number,
  ) {
    this.reset()
  }

  now(): number {
    return this.clock() + this.offsetMs
  }

  advance(ms: number): number {
    this.offsetMs += ms
    return this.now()
  }

  addApp(app: SimApp): void {
    this.apps.set(app.appId, { ...app })
  }

  /** The user's identity in an app; the session_key is created on first sight and stable until rotated. */
  identity(app: SimApp, user: string): SimIdentity {
    const key = `${app.appId}\0${user}`
    let sessionKey = this.sessionKeys.get(key)
    if (!sessionKey) this.sessionKeys.set(key, (sessionKey = wire.newSessionKey()))
    const unionid = app.openPlatform ? wire.unionidFor(app.openPlatform, user) : undefined
    return { openid: wire.openidFor(app.appId, user), ...(unionid && { unionid }), sessionKey }
  }

  /** Only one session_key is valid per user at a time (api_checksessionkey), so rotating replaces it. */
  rotateSession(app: SimApp, user: string): SimIdentity {
    this.sessionKeys.set(`${app.appId}\0${user}`, wire.newSessionKey())
    return this.identity(app, user)
  }

  mintLoginCode(app: SimApp, user: string): SimIdentity & { code: string } {
    this.sweep(this.loginCodes)
    const code = wire.newLoginCode()
    this.loginCodes.set(code, { appId: app.appId, user, issuedAt: this.now(), used: false })
    return { code, ...this.identity(app, user) }
  }

  /** Single use (40163 on reuse, [observed]); 40029 when unknown, expired or minted for another appid (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_code2session). */
  redeemLoginCode(app: SimApp, code: string): SimIdentity {
    const record = this.loginCodes.get(code)
    if (!record || record.appId !== app.appId || this.expired(record)) throw new wire.WxError(40029)
    if (record.used) throw new wire.WxError(40163)
    record.used = true
    return this.identity(app, record.user)
  }

  /** `user`: whose button tap made the code, so that a caller's `openid` can be checked against it. */
  mintPhoneCode(app: SimApp, phoneNumber: string, countryCode: string, user?: string): string {
    this.sweep(this.phoneCodes)
    const code = wire.newPhoneCode()
    const openid = user === undefined ? undefined : wire.openidFor(app.appId, user)
    const record = { appId: app.appId, phoneNumber, countryCode, issuedAt: this.now(), used: false }
    this.phoneCodes.set(code, openid ? { ...record, openid } : record)
    return code
  }

  /**
   * 40029 for a wrong, used or expired code; 40013 when the token's appid is not the code's (getPhoneNumber). With the
   * optional `openid` WeChat checks the code is that person's; its page names no errcode of its own for a
   * mismatch, so the code is answered as invalid for this caller, 40029, and stays unused.
   */
  redeemPhoneCode(appId: string, code: string, openid?: string) {
    const record = this.phoneCodes.get(code)
    if (!record || record.used || this.expired(record)) throw new wire.WxError(40029)
    if (record.appId !== appId) throw new wire.WxError(40013)
    if (openid !== undefined && record.openid !== undefined && openid !== record.openid)
      throw new wire.WxError(40029)
    record.used = true
    return wire.phoneInfo(record.phoneNumber, record.countryCode, appId, this.now())
  }

  recordWxaCode(code: WxaCode): void {
    this.wxaCodes.push(code)
    if (this.wxaCodes.length > 1000) this.wxaCodes.shift()
  }

  /** Legacy getPhoneNumber data: AES-128-CBC/PKCS#7 under the user's current session_key (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html). */
  encryptPhone(app: SimApp, user: string, phoneNumber: string, countryCode: string) {
    const key = Buffer.from(this.identity(app, user).sessionKey, 'base64')
    const iv = randomBytes(16)
    const plaintext = JSON.stringify(
      wire.phoneInfo(phoneNumber, countryCode, app.appId, this.now()),
    )
    const cipher = createCipheriv('aes-128-cbc', key, iv)
    const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return { encryptedData: encrypted.toString('base64'), iv: iv.toString('base64') }
  }

  /** Back to the state at construction: the initial apps, no users, codes, tokens or faults, zero counts. */
  reset(): void {
    this.apps.clear()
    for (const app of this.initialApps) this.addApp(app)
    this.tokens.clear()
    this.faults.clear()
    this.sessionKeys.clear()
    this.loginCodes.clear()
    this.phoneCodes.clear()
    this.wxaCodes.length = 0
    this.calls = zeroCalls()
    this.offsetMs = 0
  }

  private expired(record: { issuedAt: number }): boolean {
    return this.now() >= record.issuedAt + codeLifetimeMs
  }

  /** Drops expired codes (Maps keep insertion order, so stop at the first live one): memory stays flat under load. */
  private sweep(codes: Map<string, { issuedAt: number }>): void {
    for (const [code, record] of codes) {
      if (!this.expired(record)) return
      codes.delete(code)
    }
  }
}

function zeroCalls(): Record<wire.WeChatPath, number> {
  return Object.fromEntries(wire.wechatPaths.map((p) => [p, 0])) as Record<wire.WeChatPath, number>
}
