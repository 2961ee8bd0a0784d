// The only writer of error bodies: {"error": {code, message}, "requestId"}. AppErrors keep their status;
// a lost database becomes 503; anything else is a bug, logged and answered 500 with no detail.
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { hasErrorCode } from '../db/errors'
import { AppError, isAppError } from '../errors'
import type { Logger } from '../log'

/** postgres.js and node error codes that mean the database is unreachable, not that the query is wrong. */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300', // too_many_connections
])

/** Deadlock and serialization failure: the transaction was rolled back whole and may simply be retried. */
const retryableCodes = new Set(['40P01', '40001'])

/** SQLSTATEs for text PostgreSQL cannot store (a NUL character): they only ever come from caller input. */
const unstorableTextCodes = new Set(['22021', '22P05'])

export function toAppError(err: unknown): AppError | undefined {
  if (isAppError(err)) return err
  if (err instanceof HTTPException) {
    if (err.status === 413)
      return new AppError('payload_too_large', 'The request body is larger than 16 KiB.')
    if (err.status === 400)
      return new AppError('invalid_request', err.message || 'The request is malformed.')
    return undefined
  }
  if (hasErrorCode(err, unstorableTextCodes)) {
    return new AppError('invalid_request', 'Text must not contain NUL characters.')
  }
  if (hasErrorCode(err, retryableCodes)) {
    return new AppError(
      'database_unavailable',
      'The database could not finish this request; try again.',
      {
        retryAfter: 1,
      },
    )
  }
  if (hasErrorCode(err, unavailableCodes)) {
    return new AppError('database_unavailable', 'The database is unavailable; try again shortly.', {
      retryAfter: 1,
    })
  }
  return undefined
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
