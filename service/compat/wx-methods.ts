// wx.request knows OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE and CONNECT, but not PATCH, so a Mini
// Program cannot call PATCH /v1/me. POST /v1/me with `X-HTTP-Method-Override: PATCH` reaches it (the
// convention Google's APIs use). This sub-app has no error handler: errors keep the native shape.
import { Hono } from 'hono'
import type { AppEnv } from '../http/context'
import { AppError } from '../errors'
import type { NativeApi } from './native'

export function wxMethodRoutes(native: NativeApi) {
  return new Hono<AppEnv>().post('/v1/me', async (c) => {
    if (c.req.header('x-http-method-override')?.toUpperCase() !== 'PATCH')
      throw new AppError(
        'method_not_allowed',
        'Use PATCH /v1/me, or POST with "X-HTTP-Method-Override: PATCH" from a Mini Program.',
      )
    return native.forward(c, 'PATCH', '/v1/me')
  })
}
