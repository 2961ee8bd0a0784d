// Phone routes: POST /v1/connections/{connection}/login-by-phone (phone login), .../phone (read the number,
// bind nothing) and POST /v1/me/phone (bind a phone to the signed-in user).
import { Hono } from 'hono'
import { z } from 'zod'
import { bindPhone, loginWithPhone, readPhone } from '../accounts/phone'
import { loadProfile } from '../accounts/profile'
import type { Deps } from '../deps'
import { bearer } from '../http/bearer'
import { readJson } from '../http/body'
import { sessionContext, type AppEnv } from '../http/context'
import { loginCode } from './login'

/** getPhoneNumber's code: 64 hex characters in the doc; anything printable up to 128 is passed on. */
const phoneCode = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be the code from getPhoneNumber')

// Only types and sizes here: which fields go together is checked by accounts/phone.ts, for every caller.
const phoneFields = {
  code: loginCode.optional(),
  phoneCode: phoneCode.optional(),
  encryptedData: z.string().max(4096).optional(),
  iv: z.string().max(64).optional(),
}
export const phoneBody = z.strictObject(phoneFields)
export const bindBody = z.strictObject({
  ...phoneFields,
  /** Whose Mini Program issued the phone code; default: the connection of the caller's session. */
  connection: z.string().min(1).max(64).optional(),
})

export function phoneRoutes(deps: Deps) {
  return new Hono<AppEnv>()
    .post('/v1/connections/:connection/login-by-phone', async (c) => {
      const body = await readJson(c, phoneBody)
      const connection = c.req.param('connection')
      return c.json(await loginWithPhone(deps, { ...body, connection, ...sessionContext(c) }))
    })
    .post('/v1/connections/:connection/phone', async (c) => {
      const body = await readJson(c, phoneBody)
      const read = await readPhone(deps, { ...body, connection: c.req.param('connection') })
      const { phone, phoneNumber, purePhoneNumber, countryCode } = read
      return c.json({ phone, phoneNumber, purePhoneNumber, countryCode })
    })
    .post('/v1/me/phone', bearer(deps), async (c) => {
      const body = await readJson(c, bindBody)
      const auth = c.get('auth')
      const connection = body.connection ?? auth.connection
      await bindPhone(deps, auth.userId, { ...body, connection, ...sessionContext(c) })
      return c.json({ user: await loadProfile(deps.db, auth.userId) })
    })
}
