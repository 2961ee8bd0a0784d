// The SDK's public types: options, the stored session, the user as the server shows it.

/** The part of `wx` the SDK uses; pass your own (or a test double) as `options.wx`. */
export type Wx = Pick<
  WechatMiniprogram.Wx,
  'login' | 'request' | 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'
>

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
  /** Refresh when the access token has fewer seconds left than this. @default 60 */
  refreshLeewaySeconds?: number
}

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

export type RequestResult = WechatMiniprogram.RequestSuccessCallbackResult

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
