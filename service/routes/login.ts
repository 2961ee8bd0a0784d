// POST /v1/connections/{connection}/login: silent login with the wx.login code.
import { Hono } from 'hono'
import { z } from 'zod'
import { loginWithCode } from '../accounts/login'
import type { Deps } from '../deps'
import { readJson } from '../http/body'
import { sessionContext, type AppEnv } from '../http/context'

/** A wx.login code: 32 characters as observed; anything printable up to 128 is passed on to WeChat. */
export const loginCode = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be the code from wx.login')

export const loginBody = z.strictObject({ code: loginCode })

export function loginRoutes(deps: Deps) {
  return new Hono<AppEnv>().post('/v1/connections/:connection/login', async (c) => {
    const { code } = await readJson(c, loginBody)
    const result = await loginWithCode(deps, {
      connection: c.req.param('connection'),
      code,
      ...sessionContext(c),
    })
    return c.json(result)
  })
}
