// GET /v1/me, PATCH /v1/me and DELETE /v1/me: the signed-in user, their profile, deleting the account.
// wx.request cannot send PATCH, so POST /v1/me with `X-HTTP-Method-Override: PATCH` (the convention
// Google's APIs use) is the same update.
import { Hono, type Context } from 'hono'
import { deleteUser } from '../accounts/delete'
import { cachedProfile, profilePatch, updateProfile } from '../accounts/profile'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { bearer } from '../http/bearer'
import { readJson } from '../http/body'
import type { AppEnv } from '../http/context'

export function meRoutes(deps: Deps) {
  async function update(c: Context<AppEnv>) {
    const patch = await readJson(c, profilePatch)
    return c.json({ user: await updateProfile(deps, c.get('auth').userId, patch) })
  }
  return new Hono<AppEnv>()
    .use('/v1/me', bearer(deps))
    .get('/v1/me', async (c) => c.json({ user: await cachedProfile(deps, c.get('auth').userId) }))
    .patch('/v1/me', update)
    .post('/v1/me', async (c) => {
      if (c.req.header('x-http-method-override')?.toUpperCase() !== 'PATCH')
        throw new AppError(
          'method_not_allowed',
          'Use PATCH /v1/me, or POST with "X-HTTP-Method-Override: PATCH" from a Mini Program.',
        )
      return update(c)
    })
    .delete('/v1/me', async (c) => {
      const auth = c.get('auth')
      await deleteUser(deps, auth.userId, { by: 'self', connection: auth.connection })
      return c.body(null, 204)
    })
}
