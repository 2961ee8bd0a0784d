// QR login routes: the web page starts a login and polls it; the Mini Program page scans, confirms or cancels.
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { bearer, bearerToken } from '../http/bearer'
import { readJson } from '../http/body'
import { clientIp, sessionContext, type AppEnv } from '../http/context'
import { approveStep, type Step } from '../qr-login/approve'
import { createQrLogin } from '../qr-login/create'
import { pollQrLogin } from '../qr-login/poll'

/** A scene as createQrLogin makes them; anything else cannot be one of ours. */
function loginId(c: Context): string {
  const id = c.req.param('id') ?? ''
  if (!/^[A-Za-z0-9_-]{32}$/.test(id))
    throw new AppError('qr_login_not_found', 'There is no such QR login.')
  return id
}

function pollToken(c: Context): string {
  const token = bearerToken(c)
  if (!token)
    throw new AppError('token_missing', 'Send the poll token as "Authorization: Bearer <token>".')
  if (token.length > 256)
    throw new AppError('poll_token_invalid', 'This poll token is not the one for this QR login.')
  return token
}

/** Creating a QR login takes no fields: the connection is in the path, the origin in the headers. */
export const qrLoginBody = z.strictObject({})

export function qrLoginRoutes(deps: Deps) {
  const step = (name: Step) => async (c: Context<AppEnv>) => {
    const id = loginId(c)
    const request = await approveStep(deps, id, {
      auth: c.get('auth'),
      step: name,
      ip: clientIp(c),
    })
    return name === 'scan' ? c.json(request) : c.body(null, 204)
  }
  return new Hono<AppEnv>()
    .post('/v1/connections/:connection/qr-logins', async (c) => {
      await readJson(c, qrLoginBody)
      const started = await createQrLogin(deps, {
        connection: c.req.param('connection'),
        origin: c.req.header('origin'),
        ...sessionContext(c),
      })
      c.header('Cache-Control', 'no-store')
      return c.json(started, 201)
    })
    .get('/v1/qr-logins/:id', async (c) => {
      const id = loginId(c)
      const answer = await pollQrLogin(deps, id, pollToken(c), {
        origin: c.req.header('origin'),
        ...sessionContext(c),
      })
      c.header('Cache-Control', 'no-store')
      return c.json(answer)
    })
    .post('/v1/qr-logins/:id/scan', bearer(deps), step('scan'))
    .post('/v1/qr-logins/:id/confirm', bearer(deps), step('confirm'))
    .post('/v1/qr-logins/:id/cancel', bearer(deps), step('cancel'))
}
