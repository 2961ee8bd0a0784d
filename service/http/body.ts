// Reads a JSON request body against a zod schema: 415 for another media type, 400 invalid_json for a body
// that does not parse, 400 invalid_request naming the first field that does not fit. A well-formed body is
// what a rate limiter charges for (http/rate-limit.ts), so junk never spends a shared bucket.
import type { Context } from 'hono'
import type { z } from 'zod'
import { AppError } from '../errors'

export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type')
  if (type && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', 'Send the body as application/json.')
  }
  const text = await c.req.text()
  let body: unknown
  try {
    body = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid JSON.')
  }
  const data = checkInput(schema, body)
  ;(c.get('chargeRateLimit') as (() => void) | undefined)?.()
  return data
}

/** `value` as `schema` reads it, or 400 invalid_request naming the first field that does not fit. */
export function checkInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field =
    issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '')
  const message = field ? `${field}: ${issue.message}` : issue.message
  throw new AppError('invalid_request', message.slice(0, 200), {
    details: field ? { field } : {},
  })
}
