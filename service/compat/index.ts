// compatRoutes(deps): the calls authing-wxapp-sdk makes, answered in Authing's shapes so a Mini Program
// moves here by changing its `host`. They call the same domain functions as the native routes.
import { Hono, type MiddlewareHandler } from 'hono'
import type { Deps } from '../deps'
import type { AppEnv } from '../http/context'
import { authingGraphqlRoutes } from './graphql'
import { authingRestRoutes } from './rest'

/**
 * `limits.login`: the login rate limiter for the routes that spend a WeChat call (the same instance as
 * native's); `limits.graphql`: the per-IP limiter of /graphql/v2. Run inside, to answer in Authing's shapes.
 */
export function compatRoutes(
  deps: Deps,
  limits: { login?: MiddlewareHandler<AppEnv>; graphql?: MiddlewareHandler<AppEnv> } = {},
) {
  return new Hono<AppEnv>()
    .route('/', authingRestRoutes(deps, limits.login))
    .route('/', authingGraphqlRoutes(deps, limits.graphql))
}
