// Every answer is for one caller, and many carry tokens: no browser, proxy or CDN may keep a copy
// (RFC 9111 §5.2.2.5; RFC 6749 §5.1 asks it of token answers). A route that may be cached (JWKS, discovery)
// says so itself.
import { createMiddleware } from 'hono/factory'

export const noStore = createMiddleware(async (c, next) => {
  await next()
  if (!c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', 'no-store')
})
