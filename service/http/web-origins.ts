// CORS for the routes a web page calls (QR login): only the origins a connection lists in `webOrigins`.
// Mounted before the rate limiter, so that a preflight spends nothing and a 429 is readable by the page.
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Config } from '../config'
import { AppError } from '../errors'
import type { AppEnv } from './context'

/** The origins allowed on a path, or undefined for a path that is not a web route. */
export function webRouteOrigins(config: Config, path: string): readonly string[] | undefined {
  const start = /^\/v1\/connections\/([^/]+)\/qr-logins$/.exec(path)
  if (start) return config.connections.find((c) => c.id === decodeSafe(start[1]!))?.webOrigins ?? []
  // Polls name no connection: any connection's origin passes here, and the poll checks the login's own.
  if (/^\/v1\/qr-logins\/[^/]+$/.test(path)) return config.connections.flatMap((c) => c.webOrigins)
  return undefined
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

const refused = () =>
  new AppError('origin_not_allowed', "This origin is not in the connection's webOrigins.")

/**
 * Requests without an Origin are not a browser's cross-origin calls and pass untouched; an origin not
 * listed is refused outright (403), preflight or not, rather than merely left without CORS headers.
 */
export function webOrigins(config: Config) {
  return createMiddleware<AppEnv>(async (c: Context<AppEnv>, next) => {
    const allowed = webRouteOrigins(config, c.req.path)
    const origin = c.req.header('origin')
    if (!allowed || origin === undefined) return next()
    if (!allowed.includes(origin)) throw refused()
    if (c.req.method === 'OPTIONS') {
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'authorization, content-type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      })
    }
    await next()
    c.header('Access-Control-Allow-Origin', origin)
    c.header('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id')
    c.header('Vary', 'Origin')
  })
}
