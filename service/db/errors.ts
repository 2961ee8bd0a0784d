// Reading a database error: drizzle wraps the driver's error, so the SQLSTATE (or postgres.js's connection
// code) is somewhere down the cause chain. `toAppError` is the one classification of errors below HTTP: an
// AppError as it is, a database error as what the caller should be told, anything else unknown (a bug).
import { AppError, isAppError } from '../errors'

export function hasErrorCode(err: unknown, codes: ReadonlySet<string>): boolean {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && codes.has(code)) return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}

const uniqueViolationCode = new Set(['23505'])
const foreignKeyViolationCode = new Set(['23503'])

/** Another writer inserted the same key first (unique_violation). */
export const isUniqueViolation = (err: unknown) => hasErrorCode(err, uniqueViolationCode)

/** The row referred to is gone (foreign_key_violation): e.g. a user deleted while logging in. */
export const isForeignKeyViolation = (err: unknown) => hasErrorCode(err, foreignKeyViolationCode)

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

/** The AppError to answer for `err`, or undefined when it is neither an AppError nor a known database error. */
export function toAppError(err: unknown): AppError | undefined {
  if (isAppError(err)) return err
  if (hasErrorCode(err, unstorableTextCodes)) {
    return new AppError('invalid_request', 'Text must not contain NUL characters.')
  }
  if (hasErrorCode(err, retryableCodes)) {
    return new AppError(
      'database_unavailable',
      'The database could not finish this request; try again.',
      { retryAfter: 1 },
    )
  }
  if (hasErrorCode(err, unavailableCodes)) {
    return new AppError('database_unavailable', 'The database is unavailable; try again shortly.', {
      retryAfter: 1,
    })
  }
  return undefined
}
