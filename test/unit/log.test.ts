// The logger's second line of defence: fields that could carry a secret are blanked by name, at the top of a
// line and one object down, whatever code logs them by mistake.
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../service/log'

function capture() {
  const lines: string[] = []
  const logger = createLogger(
    'info',
    new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }),
  )
  return { logger, lines }
}

// Every name docs/operations.md#logs promises never to show, as code might spell it.
const names = [
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
  'adminApiKey',
]

describe('log redaction', () => {
  it.each(names)('blanks %s at the top of a line and inside an object', (name) => {
    const { logger, lines } = capture()
    const value = `leak-${name}-0123456789`
    logger.info({ [name]: value, connection: { id: 'shop', [name]: value } }, 'oops')
    const line = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(line[name]).toBe('[redacted]')
    expect(line.connection).toEqual({ id: 'shop', [name]: '[redacted]' })
    expect(lines[0]).not.toContain(value)
  })

  it('blanks the master key, a private JWK, and the Authorization and Cookie headers of a request', () => {
    const { logger, lines } = capture()
    logger.info(
      {
        masterKey: 'leak-master-key',
        privateJwk: { d: 'leak-private-d' },
        headers: { authorization: 'Bearer leak-bearer', cookie: 'sid=leak-cookie', accept: '*/*' },
        req: { headers: { authorization: 'Bearer leak-nested' } },
      },
      'oops',
    )
    expect(lines[0]).not.toMatch(/leak-/)
    expect(JSON.parse(lines[0]!)).toMatchObject({
      masterKey: '[redacted]',
      privateJwk: '[redacted]',
      headers: { authorization: '[redacted]', cookie: '[redacted]', accept: '*/*' },
    })
  })

  it('keeps every other field as it was logged', () => {
    const { logger, lines } = capture()
    logger.info({ connection: 'shop', status: 401, tokenType: 'Bearer' }, 'fine')
    expect(JSON.parse(lines[0]!)).toMatchObject({ connection: 'shop', status: 401, msg: 'fine' })
  })
})
