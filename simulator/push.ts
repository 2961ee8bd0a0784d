// WeChat's side of 消息推送: the URL handshake and an authorization-change push, signed with the Token, in plain
// or safe mode, JSON or XML, retried as WeChat does when the answer is not `success` (or empty) in 5 s.
// https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html
// https://developers.weixin.qq.com/miniprogram/dev/server/event_push/platform/authorized_user_information_changes.html
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { openidFor } from './wire'

const sha1 = (parts: string[]) =>
  createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex')

/**
 * WXBizMsgCrypt's encryption: AES-256-CBC, key = base64(EncodingAESKey + '='), IV = its first 16 bytes, over
 * 16 random bytes ‖ uint32 length ‖ message ‖ AppID, PKCS#7-padded to 32-byte blocks.
 */
export function encryptPush(
  encodingAesKey: string,
  appId: string,
  message: string,
  random = randomBytes(16),
): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64')
  const msg = Buffer.from(message, 'utf8')
  const length = Buffer.alloc(4)
  length.writeUInt32BE(msg.length)
  const body = Buffer.concat([random, length, msg, Buffer.from(appId, 'utf8')])
  const pad = 32 - (body.length % 32)
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16))
  cipher.setAutoPadding(false)
  return Buffer.concat([
    cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64')
}

export interface PushOptions {
  /** The developer's URL, as pasted into the console. */
  url: string
  token: string
  encodingAesKey?: string
  mode: 'plain' | 'safe'
  format: 'json' | 'xml'
  appId: string
  event: string
  /** A simulated person (their openid in appId), or an openid as is. */
  user?: string
  openid?: string
  /** Seconds; default the simulator's now. The same value makes a replay. */
  createTime?: number
  revokeInfo?: string
  /** Further attempts after one not answered `success`; WeChat makes three. */
  retries: number
  timeoutMs: number
}

export interface Attempt {
  status: number
  body: string
}

const toXml = (fields: Record<string, string | number>) =>
  `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? v : `<![CDATA[${v}]]>`}</${k}>`)
    .join('')}</xml>`

const serialize = (format: PushOptions['format'], fields: Record<string, string | number>) =>
  format === 'json' ? JSON.stringify(fields) : toXml(fields)

/** The fields of the event as the doc's examples carry them. */
export function pushMessage(o: PushOptions, nowMs: number) {
  const openid = o.openid ?? openidFor(o.appId, o.user ?? 'nobody')
  return {
    ToUserName: `gh_${o.appId.slice(-12)}`,
    FromUserName: openidFor(o.appId, '__push_service__'),
    CreateTime: o.createTime ?? Math.floor(nowMs / 1000),
    MsgType: 'event',
    Event: o.event,
    OpenID: openid,
    AppID: o.appId,
    ...(o.revokeInfo === undefined ? {} : { RevokeInfo: o.revokeInfo }),
  }
}

/** The query and body of one push, signed and (safe mode) encrypted. */
export function signedPush(o: PushOptions, nowMs: number) {
  const message = pushMessage(o, nowMs)
  const timestamp = String(Math.floor(nowMs / 1000))
  const nonce = String(randomBytes(4).readUInt32BE())
  const query = new URLSearchParams({
    signature: sha1([o.token, timestamp, nonce]),
    timestamp,
    nonce,
  })
  if (o.mode === 'plain') {
    query.set('openid', message.OpenID)
    return { query, message, body: serialize(o.format, message) }
  }
  const encrypted = encryptPush(o.encodingAesKey ?? '', o.appId, serialize(o.format, message))
  query.set('encrypt_type', 'aes')
  query.set('msg_signature', sha1([o.token, timestamp, nonce, encrypted]))
  const outer = { ToUserName: message.ToUserName, Encrypt: encrypted }
  return { query, message, body: serialize(o.format, outer) }
}

/** One HTTP call as WeChat makes it; no answer in time (or none at all) is status 0. */
async function send(url: string, init: RequestInit, timeoutMs: number): Promise<Attempt> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
    return { status: res.status, body: await res.text() }
  } catch (err) {
    return { status: 0, body: String((err as Error).name) }
  }
}

/** Pushes, retrying while the answer is not 200 `success` or empty; answers every attempt. */
export async function deliverPush(o: PushOptions, nowMs: number) {
  const { query, message, body } = signedPush(o, nowMs)
  const target = `${o.url}${o.url.includes('?') ? '&' : '?'}${query}`
  const attempts: Attempt[] = []
  for (let i = 0; i <= o.retries; i++) {
    const headers = { 'content-type': o.format === 'json' ? 'application/json' : 'text/xml' }
    const answer = await send(target, { method: 'POST', headers, body }, o.timeoutMs)
    attempts.push(answer)
    if (answer.status === 200 && ['success', ''].includes(answer.body.trim()))
      return { delivered: true, attempts, message }
  }
  return { delivered: false, attempts, message }
}

/** The URL handshake of the console's 提交: answers whether the URL echoed `echostr`. */
export async function verifyPushUrl(
  o: { url: string; token: string; timeoutMs: number },
  nowMs: number,
) {
  const timestamp = String(Math.floor(nowMs / 1000))
  const nonce = String(randomBytes(4).readUInt32BE())
  const echostr = String(randomBytes(8).readBigUInt64BE())
  const query = new URLSearchParams({
    signature: sha1([o.token, timestamp, nonce]),
    echostr,
    timestamp,
    nonce,
  })
  const answer = await send(`${o.url}${o.url.includes('?') ? '&' : '?'}${query}`, {}, o.timeoutMs)
  return { verified: answer.status === 200 && answer.body === echostr, ...answer, echostr }
}
