// createApp(deps): the whole HTTP API as one Hono app. Routes stay thin; errors have one writer.
import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { compatRoutes } from './compat'
import { consoleRoutes } from './console/routes'
import type { Deps } from './deps'
import { AppError } from './errors'
import { accessLog } from './http/access-log'
import { limitBody } from './http/body-limit'
import { clientAddress, type AppEnv } from './http/context'
import { errorResponse } from './http/errors'
import { noStore } from './http/no-store'
import { rateLimit } from './http/rate-limit'
import { webOrigins } from './http/web-origins'
import { adminRoutes, IMPORT_PATH } from './routes/admin'
import { healthRoutes, type Lifecycle } from './routes/health'
import { loginRoutes } from './routes/login'
import { meRoutes } from './routes/me'
import { openApiRoutes } from './routes/openapi'
import { phoneRoutes } from './routes/phone'
import { qrLoginRoutes } from './routes/qr-logins'
import { tokenRoutes } from './routes/tokens'
import { wechatEventRoutes } from './routes/wechat-events'
import { wellKnownRoutes } from './routes/well-known'

export const MAX_BODY_BYTES = 16 * 1024

export interface AppOptions {
  /** Extra pages mounted at the root before the not-found handler: `npm start`'s playground. */
  pages?: Hono
}

export function createApp(
  deps: Deps,
  lifecycle: Lifecycle = { draining: false },
  options: AppOptions = {},
) {
  const app = new Hono<AppEnv>()
  app.use(requestId())
  app.use(clientAddress(deps.config.clientAddress))
  app.use(
    accessLog(
      deps.logger,
      deps.config.connections.map((c) => c.id),
    ),
  )
  app.use(noStore)
  app.use(webOrigins(deps.config)) // before the limiter: preflights spend nothing, a 429 is readable
  // One limiter on every route that spends a WeChat call, so they share the per-IP buckets.
  const { config } = deps
  const limited = rateLimit(
    config,
    {
      ipPerMinute: config.rateLimitIpPerMinute,
      connectionPerMinute: config.rateLimitConnectionPerMinute,
      what: 'login',
    },
    deps.now,
  )
  app.use('/v1/connections/:connection/*', limited)
  app.use('/v1/me/phone', limited)
  const refreshLimit = { ipPerMinute: config.rateLimitRefreshIpPerMinute, what: 'token refresh' }
  app.use('/v1/token', rateLimit(config, refreshLimit, deps.now))
  const graphqlLimit = { ipPerMinute: config.rateLimitGraphqlIpPerMinute, what: 'GraphQL' }
  const graphqlLimited = rateLimit(config, graphqlLimit, deps.now)
  const bodyLimit = limitBody(MAX_BODY_BYTES)
  // The user import streams its body, with a per-line and a per-request limit (accounts/import/run.ts).
  app.use((c, next) => (c.req.path === IMPORT_PATH ? next() : bodyLimit(c, next)))
  app.route('/', healthRoutes(deps, lifecycle))
  app.route('/', wellKnownRoutes(deps))
  app.route('/', openApiRoutes())
  app.route('/', loginRoutes(deps))
  app.route('/', tokenRoutes(deps))
  app.route('/', meRoutes(deps))
  if (deps.config.adminApiKey) {
    app.route('/', adminRoutes(deps, deps.config.adminApiKey))
    app.route('/', consoleRoutes(deps, deps.config.adminApiKey))
  }
  app.route('/', phoneRoutes(deps))
  app.route('/', qrLoginRoutes(deps))
  app.route('/', wechatEventRoutes(deps))
  // Authing's routes write their own errors (HTTP 200 envelopes), the limiter's 429 included.
  app.route('/', compatRoutes(deps, { login: limited, graphql: graphqlLimited }))
  if (options.pages) app.route('/', options.pages)
  app.notFound((c) => errorResponse(c, new AppError('not_found', 'There is nothing at this path.')))
  app.onError((err, c) => errorResponse(c, err))
  return app
}
