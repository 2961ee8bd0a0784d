// The one error the SDK throws: the server's stable `code`, or a client-side one.
import type { ErrorCode } from './error-codes'

/**
 * `code` is the server's error code (`invalid_code`, `token_expired`, …) or one of the SDK's own
 * (`ClientErrorCode`). `status` is the HTTP status, 0 when no answer arrived.
 */
export class WechatLoginError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly requestId?: string

  constructor(code: ErrorCode, message: string, status = 0, requestId?: string) {
    super(message)
    this.name = 'WechatLoginError'
    this.code = code
    this.status = status
    this.requestId = requestId
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown }
  requestId?: unknown
}

/** Our error body `{error: {code, message}, requestId}`, or a readable stand-in for anything else. */
export function errorFromResponse(statusCode: number, data: unknown): WechatLoginError {
  const body = (data && typeof data === 'object' ? data : {}) as ErrorBody
  const code = body.error?.code
  if (typeof code === 'string') {
    const message = typeof body.error?.message === 'string' ? body.error.message : code
    const requestId = typeof body.requestId === 'string' ? body.requestId : undefined
    return new WechatLoginError(code as ErrorCode, message, statusCode, requestId)
  }
  return new WechatLoginError(
    'unexpected_response',
    `The server answered HTTP ${statusCode}.`,
    statusCode,
  )
}
