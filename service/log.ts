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
  '*.headers.authorization',
]

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}
