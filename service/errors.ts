// The one error type of the service: a stable snake_case code, its HTTP status, and a message safe to show.
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Every code the API can answer with, and its status. Clients match on `code`, never on `message`. */
export const errorStatus = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_code: 400,
  invalid_phone_code: 400,
  invalid_encrypted_data: 400,
  legacy_phone_data_disabled: 400,
  wechat_push_invalid: 400,
  wechat_push_encryption_required: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  session_revoked: 401,
  refresh_token_invalid: 401,
  refresh_token_reused: 401,
  admin_unauthorized: 401,
  poll_token_invalid: 401,
  wechat_push_signature_invalid: 401,
  user_blocked: 403,
  csrf_invalid: 403,
  signup_disabled: 403,
  wechat_user_blocked: 403,
  origin_not_allowed: 403,
  qr_login_disabled: 403,
  qr_login_foreign: 403,
  wechat_push_wrong_app: 403,
  not_found: 404,
  connection_not_found: 404,
  user_not_found: 404,
  qr_login_not_found: 404,
  wechat_push_disabled: 404,
  webhook_delivery_not_found: 404,
  method_not_allowed: 405,
  phone_taken: 409,
  qr_login_taken: 409,
  qr_login_not_scanned: 409,
  qr_login_cancelled: 409,
  qr_login_used: 409,
  import_conflict: 409,
  webhook_delivery_not_failed: 409,
  qr_login_expired: 410,
  rate_limited: 429,
  wechat_rate_limited: 429,
  slow_down: 429,
  internal_error: 500,
  wechat_misconfigured: 502,
  wechat_ip_not_whitelisted: 502,
  wechat_error: 502,
  wechat_unavailable: 503,
  wechat_token_invalid: 503,
  database_unavailable: 503,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>

export type ErrorCode = keyof typeof errorStatus

export interface AppErrorOptions {
  cause?: unknown
  /** Seconds, sent as `Retry-After` (429 and 503). */
  retryAfter?: number
  /** Extra, non-secret fields for the response body, e.g. the offending field. They never replace `code` or `message`. */
  details?: Record<string, unknown>
  /** Non-secret fields for the request's log line only (which WeChat API failed, and why). */
  log?: Record<string, unknown>
}

export class AppError extends Error {
  readonly code: ErrorCode
  readonly retryAfter?: number
  readonly details?: Record<string, unknown>
  readonly log?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.retryAfter = options.retryAfter
    this.details = options.details
    this.log = options.log
  }

  get status(): ContentfulStatusCode {
    return errorStatus[this.code]
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError
