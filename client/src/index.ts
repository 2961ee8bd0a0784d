// wechat-login-stack-client: the Mini Program SDK of wechat-login-stack. No runtime dependencies.
export { WechatLoginError } from './errors'
export { WechatLogin } from './wechat-login'
export type {
  Gender,
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
