// compatRoutes(deps): the calls authing-wxapp-sdk makes, answered in Authing's shapes so a Mini Program
// moves here by changing its `host` (those sub-apps write their own errors; the native writer is untouched),
// and the POST form of PATCH /v1/me for wx.request, which cannot send PATCH.
import { Hono, type MiddlewareHandler } from 'hono'
import type { Deps } from '../deps'
import type { AppEnv } from '../http/context'
import { authingGraphqlRoutes } from './graphql'
import { nativeApi } from './native'
import { authingRestRoutes } from './rest'
import { wxMethodRoutes } from './wx-methods'

/**
 * `limits.login`: the login rate limiter for the routes that spend a WeChat call (the same instance as
 * native's); `limits.graphql`: the per-IP limiter of /graphql/v2. Run inside, to answer in Authing's shapes.
 */
export function compatRoutes(
  deps: Deps,
  limits: { login?: MiddlewareHandler<AppEnv>; graphql?: MiddlewareHandler<AppEnv> } = {},
) {
  const native = nativeApi(deps)
  return new Hono<AppEnv>()
    .route('/', authingRestRoutes(deps, native, limits.login))
    .route('/', authingGraphqlRoutes(deps, native, limits.graphql))
    .route('/', wxMethodRoutes(native))
}
