// The simulator's control API under /__sim: register apps, mint codes, inject faults, move the clock, read counts.
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { deliverPush, verifyPushUrl } from './push'
import type { SimApp, SimState } from './state'
import { wechatPaths } from './wire'

/** A bad control request: answered 400 (or 404 for an unknown app) with `{error, message}`. */
export class ControlError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message)
    this.name = 'ControlError'
  }
}

const text = z.string().min(1)
/** Codes one batch call may mint: a benchmark's pool in a few calls, each still answered quickly. */
export const maxBatch = 50_000
const countryCode = z
  .union([z.string().regex(/^\+?[1-9]\d{0,2}$/), z.number().int().min(1).max(999)])
  .transform((cc) => String(cc).replace(/^\+/, ''))
  .default('86')
const phone = { appId: text, phoneNumber: z.string().regex(/^\d{4,15}$/), countryCode }

const schemas = {
  app: z.object({
    appId: text,
    secret: text,
    openPlatform: text.optional(),
    ipWhitelist: z.array(text).max(200).optional(),
    pages: z.array(text).optional(),
  }),
  user: z.object({ appId: text, user: text }),
  users: z.object({ appId: text, users: z.array(text).min(1).max(maxBatch) }),
  phoneCode: z.object({ ...phone, user: text.optional() }),
  encryptedPhone: z.object({ ...phone, user: text }),
  appId: z.object({ appId: text }),
  clock: z.object({ advanceMs: z.number().int() }),
  pushUrl: z.object({
    url: z.url({ protocol: /^https?$/ }),
    token: text,
    timeoutMs: z.number().int().min(1).max(30_000).default(5000),
  }),
  push: z.object({
    url: z.url({ protocol: /^https?$/ }),
    token: text,
    encodingAesKey: z
      .string()
      .regex(/^[A-Za-z0-9]{43}$/)
      .optional(),
    mode: z.enum(['plain', 'safe']).default('safe'),
    format: z.enum(['json', 'xml']).default('json'),
    appId: text,
    event: text,
    user: text.optional(),
    openid: text.optional(),
    createTime: z.number().int().min(0).optional(),
    revokeInfo: z.string().optional(),
    retries: z.number().int().min(0).max(3).default(3),
    timeoutMs: z.number().int().min(1).max(30_000).default(5000),
  }),
  fault: z.object({
    path: z.enum(wechatPaths),
    errcode: z.number().int().optional(),
    errmsg: z.string().optional(),
    delayMs: z.number().int().min(0).optional(),
    garbage: z.boolean().optional(),
    status: z.number().int().min(200).max(599).optional(),
    body: z.unknown().optional(),
    times: z.number().int().min(1).optional(),
  }),
}

async function read<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const result = schema.safeParse(await c.req.json().catch(() => undefined))
  if (!result.success) throw new ControlError(400, z.prettifyError(result.error))
  return result.data
}

export function controlRoutes(state: SimState): Hono {
  const app = new Hono()
  const known = (appId: string): SimApp => {
    const found = state.apps.get(appId)
    if (!found) throw new ControlError(404, `no app ${appId}; register it with POST /__sim/apps`)
    return found
  }

  app.post('/apps', async (c) => {
    const body = await read(c, schemas.app)
    state.addApp(body)
    return c.json({ appId: body.appId }, 201)
  })
  app.post('/login-codes', async (c) => {
    const { appId, user } = await read(c, schemas.user)
    return c.json(state.mintLoginCode(known(appId), user), 201)
  })
  // Bulk minting for load tests: one code per HTTP call would make the benchmark measure the simulator.
  app.post('/login-codes/batch', async (c) => {
    const { appId, users } = await read(c, schemas.users)
    const sim = known(appId)
    return c.json({ codes: users.map((user) => state.mintLoginCode(sim, user)) }, 201)
  })
  app.post('/phone-codes', async (c) => {
    const { appId, phoneNumber, countryCode, user } = await read(c, schemas.phoneCode)
    return c.json({ code: state.mintPhoneCode(known(appId), phoneNumber, countryCode, user) }, 201)
  })
  app.post('/encrypted-phone', async (c) => {
    const { appId, user, phoneNumber, countryCode } = await read(c, schemas.encryptedPhone)
    return c.json(state.encryptPhone(known(appId), user, phoneNumber, countryCode))
  })
  app.post('/sessions/rotate', async (c) => {
    const { appId, user } = await read(c, schemas.user)
    return c.json(state.rotateSession(known(appId), user))
  })
  app.post('/faults', async (c) => {
    const { path, ...fault } = await read(c, schemas.fault)
    state.faults.add(path, fault)
    return c.json({ path, ...fault }, 201)
  })
  app.delete('/faults', (c) => {
    state.faults.clear()
    return c.json({ ok: true })
  })
  // What the Mini Program codes drawn so far open: the page, its version and the scene (newest last).
  app.get('/wxa-codes', (c) => {
    const appId = c.req.query('appId')
    return c.json({ codes: state.wxaCodes.filter((x) => !appId || x.appId === appId) })
  })
  // WeChat's side of 消息推送: the console's URL check, and a push (retried like WeChat's).
  app.post('/message-push/verify', async (c) => {
    const body = await read(c, schemas.pushUrl)
    return c.json(await verifyPushUrl(body, state.now()))
  })
  app.post('/message-push', async (c) => {
    const body = await read(c, schemas.push)
    if (body.mode === 'safe' && !body.encodingAesKey)
      throw new ControlError(400, 'safe mode needs encodingAesKey')
    return c.json(await deliverPush(body, state.now()))
  })
  app.get('/stats', (c) => c.json({ calls: state.calls }))
  app.post('/access-tokens/invalidate', async (c) => {
    const { appId } = await read(c, schemas.appId)
    state.tokens.invalidateStable(known(appId).appId)
    return c.json({ ok: true })
  })
  app.post('/clock', async (c) => {
    const { advanceMs } = await read(c, schemas.clock)
    return c.json({ now: state.advance(advanceMs) })
  })
  app.get('/clock', (c) => c.json({ now: state.now() }))
  app.post('/reset', (c) => {
    state.reset()
    return c.json({ ok: true })
  })
  return app
}
