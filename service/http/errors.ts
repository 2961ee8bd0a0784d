// The only writer of error bodies: {"error": {code, message}, "requestId"}. AppErrors keep their status;
// a lost database becomes 503; anything else is a bug, logged and answered 500 with no detail.
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { toAppError as classify } from '../db/errors'
import { AppError } from '../errors'
import type { Logger } from '../log'

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

/**
 * What every error answer starts from, native or Authing-shaped: the AppError to show (a bug becomes a bare
 * internal_error, logged with its stack), 5xx logged, and Retry-After set.
 */
export function resolveError(c: Context, err: unknown, logger: Logger): AppError {
  const requestId = c.get('requestId') as string | undefined
  const known = toAppError(err)
  if (!known) logger.error({ err, requestId }, 'unhandled error')
  else if (known.status >= 500)
    logger.warn({ code: known.code, requestId, cause: known.cause }, known.message)
  const error = known ?? new AppError('internal_error', 'Something went wrong on our side.')
  if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter))
  return error
}

export function errorResponse(c: Context, err: unknown, logger: Logger): Response {
  const requestId = c.get('requestId') as string | undefined
  const error = resolveError(c, err, logger)
  return c.json(
    { error: { code: error.code, message: error.message, ...error.details }, requestId },
    error.status,
  )
}
