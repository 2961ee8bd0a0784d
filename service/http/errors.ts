// The one writer of error answers. resolveError decides what every failed request tells its caller (native
// or Authing-shaped), sets its headers and hands the cause to the access log, which writes the request's one
// line; errorResponse writes the native body {"error": {code, message, ...details}, "requestId"}.
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { toAppError as classify } from '../db/errors'
import { AppError } from '../errors'

/** What an error means to the caller: an HTTP-level refusal here, everything else as the domain classifies it. */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof HTTPException) {
    if (err.status === 413)
      return new AppError('payload_too_large', 'The request body is larger than 16 KiB.')
    if (err.status === 400)
      return new AppError('invalid_request', err.message || 'The request is malformed.')
    return undefined
  }
  return classify(err)
}

/** What the access log adds to a failed request's line. */
export interface Failure {
  error: AppError
  /** The bug behind an internal_error, or the cause of another 5xx: logged, never answered. */
  cause?: unknown
}

/**
 * RFC 6750 §3: a 401 names the scheme, and says `invalid_token` when the token itself is stale or forged,
 * which is what makes a client (our SDK included) refresh and retry. A missing token gets no error code;
 * other 401s (an ended session, a refresh token, the admin key) are not cured by a refresh.
 */
function challenge(error: AppError): string {
  return error.code === 'token_invalid' || error.code === 'token_expired'
    ? 'Bearer error="invalid_token"'
    : 'Bearer'
}

/**
 * The AppError to show (a bug becomes a bare internal_error), its Retry-After, and the failure the access log
 * writes (the most serious one, when a GraphQL request fails several ways).
 */
export function resolveError(c: Context, err: unknown): AppError {
  const known = toAppError(err)
  const error = known ?? new AppError('internal_error', 'Something went wrong on our side.')
  const before = c.get('failure') as Failure | undefined
  if (!before || before.error.status < error.status)
    c.set('failure', {
      error,
      cause: known ? (known.status >= 500 ? known.cause : undefined) : err,
    })
  if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter))
  return error
}

export function errorResponse(c: Context, err: unknown): Response {
  const error = resolveError(c, err)
  if (error.status === 401) c.header('WWW-Authenticate', challenge(error))
  return c.json(
    {
      error: { ...error.details, code: error.code, message: error.message },
      requestId: c.get('requestId') as string | undefined,
    },
    error.status,
  )
}
