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

/** `limit`: the login rate limiter for the routes that spend a WeChat call (the same instance as native's). */
export function compatRoutes(deps: Deps, limit?: MiddlewareHandler<AppEnv>) {
  const native = nativeApi(deps)
  return new Hono<AppEnv>()
    .route('/', authingRestRoutes(deps, native, limit))
    .route('/', authingGraphqlRoutes(deps, native))
    .route('/', wxMethodRoutes(native))
}
