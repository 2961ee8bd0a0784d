// wechat-login-stack-client: the Mini Program SDK of wechat-login-stack. No runtime dependencies.
export { WechatLoginError } from './errors'
export { WechatLogin } from './wechat-login'
export type { ClientErrorCode, ErrorCode, ServerErrorCode } from './error-codes'
export type {
  Gender,
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
