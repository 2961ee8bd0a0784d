// createSimulator(): the WeChat simulator as a Hono app (WeChat paths plus the /__sim control API), no port needed.
import { Hono } from 'hono'
import { ControlError, controlRoutes } from './control-routes'
import { SimState, type SimApp } from './state'
import { sendWxError, wechatRoutes } from './wechat-routes'
import { WxError } from './wire'

export type { SimApp } from './state'

export interface SimulatorOptions {
  /** Apps known from the start (and again after `POST /__sim/reset`). */
  apps?: SimApp[]
  /** The clock in ms; tests move it. `POST /__sim/clock` adds an offset on top. @default Date.now */
  now?: () => number
}

export interface Simulator {
  app: Hono
  /** Direct access to the simulated world, for tests in the same process. */
  state: SimState
  /** Cuts injected delays short, so a hanging answer doesn't hold the process open. */
  close(): void
}

/** The development app `npm start` and `simulator/main.ts` use when nothing else is configured. */
export const defaultSimApps: SimApp[] = [
  {
    appId: 'wx0000000000000001',
    secret: '00000000000000000000000000000001',
    openPlatform: 'dev-open-platform',
  },
]

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const state = new SimState(options.apps ?? [], options.now ?? Date.now)
  const closing = new AbortController()
  const app = new Hono()
  app.route('/', wechatRoutes(state, closing.signal))
  app.route('/__sim', controlRoutes(state))
  app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.path}` }, 404))
  app.onError((err, c) => {
    if (err instanceof WxError) return sendWxError(c, err)
    if (err instanceof ControlError)
      return c.json(
        { error: err.status === 404 ? 'unknown_app' : 'invalid_request', message: err.message },
        err.status,
      )
    console.error('[wechat-simulator]', err)
    return c.json({ errcode: -1, errmsg: 'system error' }, 500)
  })
  return { app, state, close: () => closing.abort() }
}
