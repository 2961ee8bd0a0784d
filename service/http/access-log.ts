// One JSON line per request: the route pattern that answered, the status, the latency, the connection, the
// caller's address and, when it failed, the error code with what went wrong (the WeChat API and reason, or
// the bug's stack): one line per failure, not one per layer. Never a header, the body or the query string:
// those are where secrets travel.
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { matchedRoutes } from 'hono/route'
import type { Logger } from '../log'
import { clientIp, type AppEnv } from './context'
import type { Failure } from './errors'

/** The pattern of the handler that matched; middleware is registered for ALL methods. Null: nothing did. */
function routePattern(c: Context): string | null {
  return matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? null
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/**
 * The `:connection` segment of the matched pattern, else the signed-in session's connection. Only a
 * configured id is logged: the segment is caller input, and an unknown one is logged as `unknown`.
 */
function connectionOf(c: Context<AppEnv>, route: string | null, known: Set<string>) {
  const at = route?.split('/').indexOf(':connection') ?? -1
  const param = at >= 0 ? c.req.path.split('/')[at] : undefined
  if (param) return known.has(safeDecode(param)) ? safeDecode(param) : 'unknown'
  return c.get('auth')?.connection
}

/** A failure's fields: its code, the error's own log fields, and the cause (a bug's stack) if any. */
function failed(failure: Failure | undefined) {
  if (!failure) return {}
  const { error, cause } = failure
  return {
    code: error.code,
    ...(error.log && { detail: error.log }),
    ...(cause !== undefined && { err: cause }),
  }
}

export function accessLog(logger: Logger, connectionIds: readonly string[]) {
  const known = new Set(connectionIds)
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now()
    await next()
    const route = routePattern(c)
    const status = c.res.status
    const line = {
      requestId: c.get('requestId'),
      method: c.req.method,
      route,
      status,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      connection: connectionOf(c, route, known),
      ip: clientIp(c),
      userId: c.get('auth')?.userId,
      ...failed(c.get('failure')),
    }
    // A bug is an error; another 5xx (WeChat or the database away) a warning; the rest is the caller's.
    const level =
      c.get('failure')?.error.code === 'internal_error' ? 'error' : status >= 500 ? 'warn' : 'info'
    logger[level](line, 'request')
  })
}
