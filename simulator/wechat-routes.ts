// The WeChat endpoints the service calls, answering as WeChat's documentation describes (errors: HTTP 200 + errcode).
import { getConnInfo } from '@hono/node-server/conninfo'
import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { delay, faultResponse, replacesAnswer, type WeChatSend } from './faults'
import type { SimApp, SimState } from './state'
import { WxError, notWhitelisted, rid, wechatPaths, type WeChatPath } from './wire'
import { drawWxaCode, readWxaCodeRequest } from './wxacode'

/** jscode2session answers `text/plain` although the body is JSON; the others answer `application/json` [observed]. */
export const sendWeChat: WeChatSend = (c, body, status = 200) =>
  c.body(JSON.stringify(body), status as ContentfulStatusCode, {
    'content-type':
      c.req.path === '/sns/jscode2session' ? 'text/plain' : 'application/json; charset=UTF-8',
  })

export const sendWxError = (c: Context, err: WxError): Response =>
  sendWeChat(c, { errcode: err.errcode, errmsg: `${err.message}, rid: ${rid()}` })

/** Missing appid 41002, missing secret 41004, unknown appid 40013, wrong secret 40125 (observed, and the code2Session and getAccessToken docs). */
function authenticate(
  state: SimState,
  appId: unknown,
  secret: unknown,
  codeMissing = false,
): SimApp {
  if (typeof appId !== 'string' || !appId) throw new WxError(41002)
  if (typeof secret !== 'string' || !secret) throw new WxError(41004)
  if (codeMissing) throw new WxError(41008)
  const app = state.apps.get(appId)
  if (!app) throw new WxError(40013)
  if (app.secret !== secret) throw new WxError(40125)
  return app
}

/** The IP whitelist guards the AppSecret APIs the doc names (getAccessToken, getStableAccessToken). */
function checkWhitelist(c: Context, app: SimApp): void {
  if (!app.ipWhitelist) return
  let ip = ''
  try {
    ip = getConnInfo(c).remote.address ?? ''
  } catch {
    // app.request() in a unit test has no socket: treat it as an unknown caller.
  }
  const bare = ip.replace(/^::ffff:/, '')
  if (!app.ipWhitelist.includes(bare)) throw notWhitelisted(bare || '0.0.0.0')
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body: unknown = await c.req.json().catch(() => undefined)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new WxError(47001)
  return body as Record<string, unknown>
}

export function wechatRoutes(state: SimState, closing: AbortSignal): Hono {
  const app = new Hono()

  // Every call is counted, faulted or not; a fault that replaces the answer runs before any state is touched.
  app.use('*', async (c, next) => {
    const path = c.req.path as WeChatPath
    if (!wechatPaths.includes(path)) return next()
    state.calls[path]++
    const fault = state.faults.take(path)
    if (fault?.delayMs) await delay(fault.delayMs, AbortSignal.any([c.req.raw.signal, closing]))
    if (fault && replacesAnswer(fault)) return faultResponse(c, fault, sendWeChat)
    return next()
  })

  app.get('/sns/jscode2session', (c) => {
    const q = c.req.query()
    const sim = authenticate(state, q.appid, q.secret, !q.js_code)
    // Not documented for this endpoint; 40002 is WeChat's errcode for a wrong grant_type (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html).
    if (q.grant_type !== 'authorization_code') throw new WxError(40002)
    const who = state.redeemLoginCode(sim, q.js_code!)
    // A real success carries no errcode field (observed).
    const body = { session_key: who.sessionKey, openid: who.openid }
    return sendWeChat(c, who.unionid ? { ...body, unionid: who.unionid } : body)
  })

  // "Only the POST JSON form is accepted" (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken).
  app.post('/cgi-bin/stable_token', async (c) => {
    const body = await jsonBody(c)
    const sim = authenticate(state, body.appid, body.secret)
    checkWhitelist(c, sim)
    if (body.grant_type !== 'client_credential') throw new WxError(40002)
    return sendWeChat(c, state.tokens.stable(sim.appId, body.force_refresh === true))
  })

  app.get('/cgi-bin/token', (c) => {
    const q = c.req.query()
    const sim = authenticate(state, q.appid, q.secret)
    checkWhitelist(c, sim)
    if (q.grant_type !== 'client_credential') throw new WxError(40002)
    return sendWeChat(c, state.tokens.basic(sim.appId))
  })

  // The optional `openid` (sent by WxJava) must be the person whose button tap made the code (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-info/phone-number/api_getphonenumber).
  app.post('/wxa/business/getuserphonenumber', async (c) => {
    const appId = state.tokens.check(c.req.query('access_token'))
    const body = await jsonBody(c)
    if (typeof body.code !== 'string' || !body.code) throw new WxError(40029)
    if (body.openid !== undefined && typeof body.openid !== 'string') throw new WxError(47001)
    const phone_info = state.redeemPhoneCode(appId, body.code, body.openid)
    return sendWeChat(c, { errcode: 0, errmsg: 'ok', phone_info })
  })

  // getUnlimitedQRCode: the image bytes on success, labelled image/jpeg as WeChat labels them (the bytes here are a PNG);
  // errors are JSON with HTTP 200 like every other endpoint.
  app.post('/wxa/getwxacodeunlimit', async (c) => {
    const appId = state.tokens.check(c.req.query('access_token'))
    const code = readWxaCodeRequest(state.apps.get(appId)!, await jsonBody(c))
    const image = await drawWxaCode(code)
    state.recordWxaCode(code)
    return c.body(new Uint8Array(image), 200, { 'content-type': 'image/jpeg' })
  })

  return app
}
