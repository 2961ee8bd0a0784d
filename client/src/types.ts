// The SDK's public types: options, the stored session, the user as the server shows it.
import type { ErrorCode } from './error-codes'

/**
 * The five wx APIs the SDK calls, and nothing else: `wx.login` (a code per login), `wx.request` (always
 * with an explicit `content-type`), and `wx.getStorageSync` / `setStorageSync` / `removeStorageSync` (the
 * session). Pass your own (or a test double) as `options.wx`.
 */
export type Wx = Pick<
  WechatMiniprogram.Wx,
  'login' | 'request' | 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'
>

/** Why the stored session ended, handed to `onSessionEnd`. */
export interface SessionEnd {
  /** `session_revoked`, `refresh_token_reused`, `refresh_token_invalid`, `user_blocked`, `user_not_found` or `token_invalid`. */
  code: ErrorCode
  /** Whether the SDK now logs in again silently (false when `relogin` is off or the user is blocked). */
  relogin: boolean
}

export interface WechatLoginOptions {
  /** The authentication address, e.g. `https://auth.example.com` (a request domain of the Mini Program). */
  endpoint: string
  /** The connection id configured on the server, e.g. `shop`. */
  connection: string
  /** The wx storage key of the session. @default 'wechat-login-stack:session' */
  storageKey?: string
  /** @default the global `wx` */
  wx?: Wx
  /** Milliseconds since the epoch; tests move it. @default Date.now */
  now?: () => number
  /**
   * Refresh when the access token has fewer seconds left than this. An access token that lives no longer
   * than this is refreshed at half its life instead (with a console warning). @default 60
   */
  refreshLeewaySeconds?: number
  /**
   * When a call finds the session over (logged out elsewhere, blocked, deleted, refresh token reused),
   * clear it and run a silent `loginByCode()`, then repeat the call once. Off: the call throws the code and
   * the page decides. A blocked user is never logged in again silently. @default true
   */
  relogin?: boolean
  /** Called once per ended session, after storage is cleared and before any silent login. */
  onSessionEnd?: (end: SessionEnd) => void
}

/**
 * What `<button open-type="getPhoneNumber">` hands its handler in `event.detail`: the single-use `code`
 * (base library 2.21.2+), or the legacy `encryptedData` and `iv`. A string is taken as the code.
 */
export type PhoneCredential = string | { code?: string; encryptedData?: string; iv?: string }

export type Gender = 'male' | 'female' | 'unknown'

export interface User {
  id: string
  /** E.164, e.g. `+8613800138000`. */
  phone: string | null
  nickname: string | null
  avatar: string | null
  gender: Gender
  status: string
  loginCount: number
  lastLoginAt: string | null
  createdAt: string
  updatedAt: string
  identities?: { connection: string; appId: string; openid: string; unionid: string | null }[]
}

/** What the SDK keeps in wx storage under `storageKey`. */
export interface Session {
  accessToken: string
  refreshToken: string
  /** When the access token expires, in milliseconds since the epoch (by the SDK's clock). */
  expiresAt: number
  user: User
}

export interface ProfilePatch {
  nickname?: string | null
  /** An https URL. */
  avatar?: string | null
  gender?: Gender
}

export interface PhoneNumber {
  /** E.164. */
  phone: string
  phoneNumber: string
  purePhoneNumber: string
  countryCode: string
}

/** wx.request's options without the callbacks; a `url` starting with `/` is relative to `endpoint`. */
export type RequestOptions = Omit<WechatMiniprogram.RequestOption, 'success' | 'fail' | 'complete'>

/** wx.request's answer; `data` typed as the caller says (JSON is parsed, as wx.request does by default). */
export type RequestResult<T = unknown> = Omit<
  WechatMiniprogram.RequestSuccessCallbackResult,
  'data'
> & { data: T }

/** What a web login asks the person to approve (QR login's `scan`). */
export interface QrLoginRequest {
  id: string
  connection: { id: string; displayName: string }
  createdAt: string
  expiresAt: string
  /** Where the web page asked from. */
  ip: string | null
  userAgent: string | null
  origin: string | null
}
