// The service's logger: JSON lines through pino, with every field that could carry a secret redacted.
import { pino, type DestinationStream, type Logger } from 'pino'

export type { Logger }

/** Paths pino blanks out wherever they appear, as a second line of defence: code never logs these on purpose. */
const redactPaths = [
  'appSecret',
  'secret',
  'sessionKey',
  'session_key',
  'accessToken',
  'access_token',
  'refreshToken',
  'token',
  'authorization',
  'password',
  'masterKey',
  'privateJwk',
  'adminApiKey',
  'pushToken',
  'encodingAesKey',
  'headers.authorization',
  'headers.cookie',
  '*.appSecret',
  '*.secret',
  '*.sessionKey',
  '*.session_key',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.token',
  '*.authorization',
  '*.password',
  '*.adminApiKey',
  '*.pushToken',
  '*.encodingAesKey',
  '*.headers.authorization',
]

/**
 * Errors as log fields: type, code, message, stack and cause, but none of their other properties. A failed
 * query carries its parameters (phone numbers, sealed values) in `params` and in its message; keep the SQL,
 * drop the values.
 */
export function safeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err
  const scrub = (text: string) => text.replace(/\nparams: [^\n]*/g, '\nparams: [redacted]')
  const code = (err as { code?: unknown }).code
  return {
    type: err.constructor.name,
    message: scrub(err.message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    stack: err.stack ? scrub(err.stack) : undefined,
    ...(err.cause && depth < 3 ? { cause: safeError(err.cause, depth + 1) } : {}),
  }
}

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { err: safeError, cause: safeError },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}
