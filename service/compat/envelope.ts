// Authing's answer shapes. REST: HTTP 200 `{code, message, data}` even for errors, because the SDK reads
// `code` and its axios would throw on a non-2xx status before that. GraphQL: `{errors: [{message: {code,
// message, data}}]}`, the triple as `message` (authing-wxapp-sdk's GraphqlClient destructures it).
import type { Context } from 'hono'
import { resolveError } from '../http/errors'

/** `code` is the HTTP status the native API answers the same error with; `data.error` is our stable code. */
export interface AuthingError {
  code: number
  message: string
  data: { error: string; requestId?: string }
}

/** Our error as Authing's triple, resolved (logged, hidden when a bug) by the one error writer. */
export function authingError(c: Context, err: unknown): AuthingError {
  const requestId = c.get('requestId') as string | undefined
  const error = resolveError(c, err)
  return { code: error.status, message: error.message, data: { error: error.code, requestId } }
}

export const restOk = (c: Context, data: unknown, message = 'ok') =>
  c.json({ code: 200, message, data })

export const restError = (c: Context, err: unknown) => c.json(authingError(c, err), 200)

export const graphqlError = (c: Context, err: unknown) =>
  c.json({ errors: [{ message: authingError(c, err) }] }, 200)
