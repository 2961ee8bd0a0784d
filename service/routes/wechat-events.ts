// GET|POST /v1/connections/{connection}/wechat/events: the URL pasted into the Mini Program's 消息推送. GET is
// WeChat's URL handshake (answer echostr); POST is a push, answered `success` once acted on, so that WeChat
// stops retrying; anything refused is a 4xx and changes nothing. Never rate limited per body: the limiter
// refuses only when the caller's address already spent its bucket on logins.
import { Hono } from 'hono'
import { applyAuthorizationChange } from '../accounts/wechat-push'
import { findConnection, type Deps } from '../deps'
import type { AppEnv } from '../http/context'
import { readPush, verifyHandshake } from '../wechat/push-message'

export const wechatEventsPath = '/v1/connections/:connection/wechat/events'

export function wechatEventRoutes(deps: Deps) {
  return new Hono<AppEnv>()
    .get(wechatEventsPath, (c) => {
      const connection = findConnection(deps.config, c.req.param('connection'))
      return c.text(verifyHandshake(connection, c.req.query()))
    })
    .post(wechatEventsPath, async (c) => {
      const connection = findConnection(deps.config, c.req.param('connection'))
      const push = readPush(connection, c.req.query(), await c.req.text())
      if (push.kind === 'authorization') {
        const { outcome, cleared } = await applyAuthorizationChange(deps, connection, push.change)
        deps.logger.info(
          { connection: connection.id, event: push.change.event, outcome, cleared },
          'wechat push',
        )
      }
      return c.text('success')
    })
}
