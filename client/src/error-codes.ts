// Every `code` a WechatLoginError can carry: the service's (service/errors.ts, kept in step by a test) and
// the SDK's own. A union, not an enum: it costs the bundle nothing.

/** Codes the service answers with; `docs/api.md` lists each under its HTTP status. */
export type ServerErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'invalid_code'
  | 'invalid_phone_code'
  | 'invalid_encrypted_data'
  | 'legacy_phone_data_disabled'
  | 'wechat_push_invalid'
  | 'wechat_push_encryption_required'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'session_revoked'
  | 'refresh_token_invalid'
  | 'refresh_token_reused'
  | 'admin_unauthorized'
  | 'poll_token_invalid'
  | 'wechat_push_signature_invalid'
  | 'user_blocked'
  | 'csrf_invalid'
  | 'signup_disabled'
  | 'wechat_user_blocked'
  | 'origin_not_allowed'
  | 'qr_login_disabled'
  | 'qr_login_foreign'
  | 'wechat_push_wrong_app'
  | 'not_found'
  | 'connection_not_found'
  | 'user_not_found'
  | 'qr_login_not_found'
  | 'wechat_push_disabled'
  | 'webhook_delivery_not_found'
  | 'method_not_allowed'
  | 'phone_taken'
  | 'qr_login_taken'
  | 'qr_login_not_scanned'
  | 'qr_login_cancelled'
  | 'qr_login_used'
  | 'webhook_delivery_not_failed'
  | 'qr_login_expired'
  | 'rate_limited'
  | 'wechat_rate_limited'
  | 'slow_down'
  | 'internal_error'
  | 'wechat_misconfigured'
  | 'wechat_ip_not_whitelisted'
  | 'wechat_error'
  | 'wechat_unavailable'
  | 'wechat_token_invalid'
  | 'database_unavailable'
  | 'service_unavailable'

/**
 * The SDK's own: `network_error` (wx.request failed: offline, timeout, a domain missing from the request
 * domains), `wx_login_failed`, `not_logged_in`, `unexpected_response` (a non-2xx answer without our body),
 * `phone_declined` (the getPhoneNumber event carried neither a code nor encrypted data: the user said no).
 */
export type ClientErrorCode =
  'network_error' | 'wx_login_failed' | 'not_logged_in' | 'unexpected_response' | 'phone_declined'

export type ErrorCode = ServerErrorCode | ClientErrorCode

/**
 * Answers that mean the stored session can never work again: logged out elsewhere or refresh token
 * reused (`session_revoked`, `refresh_token_*`), blocked, deleted (`user_not_found`, or `session_revoked`
 * since deletion ends its sessions), or a token no refresh could mend (`token_invalid` after one).
 */
export const SESSION_ENDED: readonly ErrorCode[] = [
  'session_revoked',
  'refresh_token_reused',
  'refresh_token_invalid',
  'user_blocked',
  'user_not_found',
  'token_invalid',
]
