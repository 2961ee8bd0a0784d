// createApp(deps): the whole HTTP API as one Hono app. Routes stay thin; errors have one writer.
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import { compatRoutes } from './compat'
import type { Deps } from './deps'
import { AppError } from './errors'
import { accessLog } from './http/access-log'
import { clientAddress, type AppEnv } from './http/context'
import { errorResponse } from './http/errors'
import { rateLimit } from './http/rate-limit'
import { adminRoutes } from './routes/admin'
import { healthRoutes, type Lifecycle } from './routes/health'
import { loginRoutes } from './routes/login'
import { meRoutes } from './routes/me'
import { openApiRoutes } from './routes/openapi'
import { phoneRoutes } from './routes/phone'
import { tokenRoutes } from './routes/tokens'
import { wellKnownRoutes } from './routes/well-known'

export const MAX_BODY_BYTES = 16 * 1024

export function createApp(deps: Deps, lifecycle: Lifecycle = { draining: false }) {
  const app = new Hono<AppEnv>()
  app.use(requestId())
  app.use(clientAddress(deps.config.trustCloudFrontViewerAddress))
  app.use(
    accessLog(
      deps.logger,
      deps.config.connections.map((c) => c.id),
    ),
  )
  // One limiter on every route that spends a WeChat call, so they share the per-IP buckets.
  const limited = rateLimit(deps.config, deps.now)
  app.use('/v1/connections/:connection/*', limited)
  app.use('/v1/me/phone', limited)
  const tooLarge = () => {
    throw new AppError('payload_too_large', 'The request body is larger than 16 KiB.')
  }
  const limitStream = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge })
  // hono's bodyLimit reads c.req.raw.body, which makes @hono/node-server build a full Request (a stream,
  // an AbortSignal) for every request and read bodies through it: ~10% of a GET /v1/me (bench/). Without
  // Transfer-Encoding a body is exactly Content-Length long, or absent (RFC 9112 §6.3): the header says it.
  app.use((c, next) => {
    if (c.req.header('transfer-encoding') !== undefined) return limitStream(c, next)
    if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) tooLarge()
    return next()
  })
  app.route('/', healthRoutes(deps, lifecycle))
  app.route('/', wellKnownRoutes(deps))
  app.route('/', openApiRoutes())
  app.route('/', loginRoutes(deps))
  app.route('/', tokenRoutes(deps))
  app.route('/', meRoutes(deps))
  if (deps.config.adminApiKey) app.route('/', adminRoutes(deps, deps.config.adminApiKey))
  app.route('/', phoneRoutes(deps))
  // Authing's routes write their own errors (HTTP 200 envelopes), the limiter's 429 included.
  app.route('/', compatRoutes(deps, limited))
  app.notFound(() => {
    throw new AppError('not_found', 'There is nothing at this path.')
  })
  app.onError((err, c) => errorResponse(c, err, deps.logger))
  return app
}
