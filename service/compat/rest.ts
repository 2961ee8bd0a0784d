// Authing's REST calls of authing-wxapp-sdk: code login, phone login, reading the phone, logout. They only
// translate shapes: the logins are loginWithCode / loginWithPhone / readPhone, logout is endSession.
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { LoginResult } from '../accounts/login'
import { loginWithCode } from '../accounts/login'
import { loginWithPhone, readPhone } from '../accounts/phone'
import { loadProfile } from '../accounts/profile'
import type { Deps } from '../deps'
import { isAppError } from '../errors'
import { bearerToken } from '../http/bearer'
import { readJson } from '../http/body'
import { sessionContext, type AppEnv } from '../http/context'
import { loginCode } from '../routes/login'
import { authenticate } from '../tokens/authenticate'
import { endSession } from '../tokens/logout'
import { authingUser } from './authing-user'
import { authingConnection } from './connection'
import { restError, restOk } from './envelope'

const optional = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((v) => v || undefined)

/** What the SDK posts: `{code, iv, encryptedData, rawData}`; `phoneCode` is our addition for direct callers. */
export const body = z.object({
  code: loginCode,
  iv: optional(64),
  encryptedData: optional(4096),
  rawData: optional(4096),
  phoneCode: optional(128),
})

const SOCIAL = '/connections/social/wechat-miniprogram'

/** `limit`: the app's login rate limiter, run here so that a refusal is answered in Authing's envelope. */
export function authingRestRoutes(deps: Deps, limit?: MiddlewareHandler<AppEnv>) {
  async function read(c: Context) {
    const input = await readJson(c, body)
    const connection = authingConnection(deps.config, c.req.header('x-authing-app-id'))
    return { input, connection, ctx: sessionContext(c) }
  }

  async function loggedIn(result: LoginResult, connection: string) {
    const me = await loadProfile(deps.db, result.user.id)
    const expiresAt = new Date(deps.now().getTime() + result.expiresIn * 1000)
    return authingUser(me, connection, { token: result.accessToken, expiresAt })
  }

  const app = new Hono<AppEnv>().onError((err, c) => restError(c, err))
  if (limit) app.use(`${SOCIAL}/*`, limit)
  return app
    .post(`${SOCIAL}/auth`, async (c) => {
      // iv/encryptedData/rawData of wx.getUserInfo are ignored: WeChat now answers it with a placeholder.
      const { input, connection, ctx } = await read(c)
      const result = await loginWithCode(deps, {
        connection: connection.id,
        code: input.code,
        source: 'authing',
        ...ctx,
      })
      return restOk(c, await loggedIn(result, connection.id), 'Logged in.')
    })
    .post(`${SOCIAL}/auth-by-phone`, async (c) => {
      const { input, connection, ctx } = await read(c)
      const { code, iv, encryptedData, phoneCode } = input
      const result = await loginWithPhone(deps, {
        connection: connection.id,
        source: 'authing',
        code,
        ...(phoneCode ? { phoneCode } : { encryptedData, iv }),
        ...ctx,
      })
      return restOk(c, await loggedIn(result, connection.id), 'Logged in.')
    })
    .post(`${SOCIAL}/getphone`, async (c) => {
      const { input, connection } = await read(c)
      const { code, iv, encryptedData, phoneCode } = input
      const phone = await readPhone(deps, {
        connection: connection.id,
        code,
        ...(phoneCode ? { phoneCode } : { encryptedData, iv }),
      })
      return restOk(c, {
        countryCode: phone.countryCode,
        phoneNumber: phone.phoneNumber,
        purePhoneNumber: phone.purePhoneNumber,
        openid: phone.openid ?? null,
        unionid: phone.unionid ?? null,
      })
    })
    .get('/api/v2/logout', async (c) => {
      // Idempotent: a token that is missing, expired or already revoked has no session left to end, and
      // an error here would keep the SDK from clearing its storage. `app_id` is not needed.
      const token = bearerToken(c)
      if (token) {
        const ended = authenticate(deps, token).then((auth) =>
          endSession(deps, auth, sessionContext(c)),
        )
        await ended.catch((err: unknown) => {
          if (!isAppError(err) || err.status >= 500) throw err
        })
      }
      return restOk(c, null, 'Logged out.')
    })
}
