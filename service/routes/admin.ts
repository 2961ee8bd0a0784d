// The admin API under /v1/admin, behind `Authorization: Bearer <ADMIN_API_KEY>`. createApp mounts it only
// when the key is configured: without one these paths are as absent as any unknown path.
import { Hono, type Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { z } from 'zod'
import { deleteUser } from '../accounts/delete'
import { listAuditEvents } from '../admin/audit-events'
import { DEFAULT_LIMIT, MAX_LIMIT } from '../admin/cursor'
import { searchUsers } from '../admin/search-users'
import { revokeUserSessions } from '../admin/revoke-sessions'
import { rotateSigningKey } from '../admin/signing-keys'
import { readUser } from '../admin/user-detail'
import { setUserStatus } from '../admin/user-status'
import { importUsers, MAX_IMPORT_BYTES } from '../accounts/import/run'
import {
  deliveryStatuses,
  listWebhookDeliveries,
  retryWebhookDelivery,
} from '../admin/webhook-deliveries'
import { recordAudit } from '../audit'
import { safeEqual } from '../crypto/random'
import { findConnection, type Deps } from '../deps'
import { AppError } from '../errors'
import { bearerToken } from '../http/bearer'
import { checkInput, readJson } from '../http/body'
import { clientIp, type AppEnv } from '../http/context'

/** A missing key and a wrong one get the same answer, so a caller learns nothing from the difference. */
function adminKey(key: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c)
    // Compared even when absent, so that the time taken does not tell the two cases apart either.
    if (!safeEqual(token ?? '', key) || token === undefined)
      throw new AppError(
        'admin_unauthorized',
        'Send the admin API key as "Authorization: Bearer <key>".',
      )
    await next()
  })
}

const page = {
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
}
const lookup = z.string().min(1).max(128).optional()
export const usersQuery = z.strictObject({
  phone: z.string().min(1).max(32).optional(),
  externalId: lookup,
  openid: lookup,
  unionid: lookup,
  nickname: z.string().min(1).max(64).optional(),
  ...page,
})
export const auditQuery = z.strictObject({
  userId: lookup,
  type: z.string().min(1).max(64).optional(),
  ...page,
})
export const deliveriesQuery = z.strictObject({
  status: z.enum(deliveryStatuses).optional(),
  ...page,
})
export const statusBody = z.strictObject({ status: z.enum(['active', 'blocked']) })

const readQuery = <S extends z.ZodType>(c: Context, schema: S): z.infer<S> =>
  checkInput(schema, c.req.query())
/** The one route whose body is streamed, with limits of its own instead of the 16 KiB of the others. */
export const IMPORT_PATH = '/v1/admin/users/import'

export function adminRoutes(deps: Deps, key: string) {
  const appIds = deps.config.connections.map((c) => c.appId)
  const audit = (c: Context, event: Parameters<typeof recordAudit>[1]) =>
    recordAudit(deps.db, { ip: clientIp(c), ...event }, deps.now())

  return new Hono<AppEnv>()
    .use('/v1/admin/*', adminKey(key))
    .get('/v1/admin/users', async (c) =>
      c.json(await searchUsers(deps.db, appIds, readQuery(c, usersQuery))),
    )
    .get('/v1/admin/users/:id', async (c) =>
      c.json({ user: await readUser(deps.db, c.req.param('id'), deps.now()) }),
    )
    .patch('/v1/admin/users/:id', async (c) => {
      const { status } = await readJson(c, statusBody)
      const id = c.req.param('id')
      await setUserStatus(deps, id, status, { ip: clientIp(c) })
      return c.json({ user: await readUser(deps.db, id, deps.now()) })
    })
    .delete('/v1/admin/users/:id', async (c) => {
      await deleteUser(deps, c.req.param('id'), { by: 'admin' })
      return c.body(null, 204)
    })
    .post('/v1/admin/users/:id/sessions/revoke', async (c) =>
      c.json(
        await revokeUserSessions(deps, c.req.param('id'), { ip: clientIp(c), actor: 'admin' }),
      ),
    )
    .post(IMPORT_PATH, async (c) => {
      const type = c.req.header('content-type')
      if (type && !/^application\/(x-ndjson|jsonl)\b/i.test(type))
        throw new AppError('unsupported_media_type', 'Send the users as application/x-ndjson.')
      if (Number(c.req.header('content-length') ?? 0) > MAX_IMPORT_BYTES)
        throw new AppError(
          'payload_too_large',
          `An import request is at most ${MAX_IMPORT_BYTES / 1024 / 1024} MiB; send the file in parts (npm run import does).`,
        )
      // Read as it arrives (never c.req.text()): memory stays bounded whatever the size.
      const body = (c.req.raw.body ?? []) as AsyncIterable<Uint8Array>
      return c.json(await importUsers(deps, body, { ip: clientIp(c), actor: 'admin' }))
    })
    .get('/v1/admin/audit-events', async (c) =>
      c.json(await listAuditEvents(deps.db, readQuery(c, auditQuery))),
    )
    .get('/v1/admin/webhook-deliveries', async (c) =>
      c.json(await listWebhookDeliveries(deps.db, readQuery(c, deliveriesQuery))),
    )
    .post('/v1/admin/webhook-deliveries/:id/retry', async (c) => {
      const id = c.req.param('id')
      return c.json({ delivery: await retryWebhookDelivery(deps, id, { ip: clientIp(c) }) })
    })
    .post('/v1/admin/signing-keys/rotate', async (c) => {
      return c.json({ kid: await rotateSigningKey(deps, { ip: clientIp(c), actor: 'admin' }) })
    })
    .get('/v1/admin/connections/:connection/wechat-access-token', async (c) => {
      const connection = findConnection(deps.config, c.req.param('connection'))
      const token = await deps.wechatTokens.current(connection)
      // Handing out a credential is worth a row: which connection and from where, never the token.
      await audit(c, {
        type: 'wechat_access_token.read',
        connection: connection.id,
        detail: { actor: 'admin' },
      })
      c.header('Cache-Control', 'no-store')
      return c.json({ accessToken: token.accessToken, expiresAt: token.expiresAt.toISOString() })
    })
}
