// createWeChatClient(): the service's calls to WeChat over one keep-alive undici Pool, each with a hard deadline,
// bodies parsed as JSON whatever the content type, and errcodes mapped in errors.ts (WeChat's documentation).
import { Pool } from 'undici'
import type { Connection } from '../config'
import { AppError } from '../errors'
import type { Logger } from '../log'
import { mapWeChatError, wechatUnavailable, type ErrorContext, type WeChatApi } from './errors'
import { readPhoneInfo, text, type PhoneInfo } from './phone'

export type { PhoneInfo } from './phone'

export interface WeChatApp {
  connectionId: string
  appId: string
  appSecret: string
}

/** A configured connection as the client takes it. */
export const wechatApp = (c: Pick<Connection, 'id' | 'appId' | 'appSecret'>): WeChatApp => ({
  connectionId: c.id,
  appId: c.appId,
  appSecret: c.appSecret,
})
export interface WeChatSession {
  openid: string
  sessionKey: string
  unionid?: string
}
export interface WeChatClient {
  code2Session(app: WeChatApp, code: string): Promise<WeChatSession>
  getStableAccessToken(
    app: WeChatApp,
    options?: { forceRefresh?: boolean },
  ): Promise<{ accessToken: string; expiresIn: number }>
  /** `openid`: whose phone code it must be; WeChat then refuses another person's code (40029). */
  getPhoneNumber(
    app: WeChatApp,
    accessToken: string,
    phoneCode: string,
    openid?: string,
  ): Promise<PhoneInfo>
  /** getwxacodeunlimit: the image of a Mini Program code that opens `page` with `scene`. */
  getUnlimitedQrCode(
    app: WeChatApp,
    accessToken: string,
    request: UnlimitedQrCodeRequest,
  ): Promise<{ contentType: string; image: Buffer }>
  close(): Promise<void>
}
export interface UnlimitedQrCodeRequest {
  scene: string
  page: string
  envVersion: 'release' | 'trial' | 'develop'
  /** Whether WeChat checks that `page` exists in the published version. */
  checkPath: boolean
  width?: number
}
export interface WeChatClientOptions {
  /** e.g. https://api.weixin.qq.com, or the simulator's URL. */
  baseUrl: string
  /** Deadline for a whole call, headers and body. @default 5000 */
  timeoutMs?: number
  logger?: Logger
  /** Keep-alive connections in the pool. @default 64 */
  connections?: number
}

type Body = Record<string, unknown>
const maxCodeLength = 256 // codes are 32 (login) and 64 (phone) chars; anything huge is not a code

/** A success has no errcode or errcode 0: a real jscode2session success omits the field (observed in real responses). */
const failed = (data: Body) => data.errcode !== undefined && data.errcode !== 0

export function createWeChatClient(options: WeChatClientOptions): WeChatClient {
  const { timeoutMs = 5000, logger, connections = 64 } = options
  const base = new URL(options.baseUrl)
  const prefix = base.pathname.replace(/\/+$/, '')
  const pool = new Pool(base.origin, {
    connections,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    maxResponseSize: 1 << 20,
  })

  /** One HTTP exchange. `path` may carry the secret or token, so it is never logged or put in an error. */
  async function exchange(ctx: ErrorContext, path: string, json?: Body) {
    const started = performance.now()
    let status: number
    let contentType: string
    let raw: Buffer
    try {
      const res = await pool.request({
        method: json ? 'POST' : 'GET',
        path: prefix + path,
        headers: json ? { 'content-type': 'application/json' } : {},
        body: json ? JSON.stringify(json) : undefined,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs), // the total deadline, even for a slow trickle of bytes
      })
      status = res.statusCode
      contentType = String(res.headers['content-type'] ?? '')
      raw = Buffer.from(await res.body.arrayBuffer()) // always drained: a read failure or abort destroys the body
    } catch (err) {
      throw wechatUnavailable(ctx, describe(err))
    }
    const ms = Math.round(performance.now() - started)
    logger?.debug({ connectionId: ctx.connectionId, api: ctx.api, status, ms }, 'WeChat call')
    // Errors are HTTP 200 + errcode, so any other status is a proxy or outage, not WeChat's answer.
    if (status !== 200) throw wechatUnavailable(ctx, `HTTP ${status}`)
    return { contentType, raw }
  }

  /** A JSON answer, parsed whatever the content type says (jscode2session says text/plain). */
  function parse(ctx: ErrorContext, raw: Buffer): Body {
    let data: unknown
    try {
      data = JSON.parse(raw.toString('utf8'))
    } catch {
      throw wechatUnavailable(ctx, 'the body is not JSON')
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw wechatUnavailable(ctx, 'the body is not a JSON object')
    return data as Body
  }

  const call = async (ctx: ErrorContext, path: string, json?: Body): Promise<Body> =>
    parse(ctx, (await exchange(ctx, path, json)).raw)

  const context = (app: WeChatApp, api: WeChatApi): ErrorContext => ({
    connectionId: app.connectionId,
    api,
    logger,
  })

  return {
    async code2Session(app, code) {
      if (!text(code) || code.length > maxCodeLength)
        throw new AppError('invalid_code', 'The login code is missing or malformed.')
      const ctx = context(app, 'jscode2session')
      const query = new URLSearchParams({
        appid: app.appId,
        secret: app.appSecret,
        js_code: code,
        grant_type: 'authorization_code',
      })
      // Never retried: a code is single use, and a retry of a code WeChat already consumed answers 40163.
      const data = await call(ctx, `/sns/jscode2session?${query}`)
      if (failed(data)) throw mapWeChatError(Number(data.errcode), data.errmsg, ctx)
      const openid = text(data.openid)
      const sessionKey = text(data.session_key)
      if (!openid || sessionKey?.length !== 24)
        throw new AppError(
          'wechat_error',
          'WeChat answered a login without an openid or session key.',
        )
      const unionid = text(data.unionid) // only for apps bound to an Open Platform account
      return unionid ? { openid, sessionKey, unionid } : { openid, sessionKey }
    },

    async getStableAccessToken(app, { forceRefresh = false } = {}) {
      const ctx = context(app, 'stable_token')
      const data = await call(ctx, '/cgi-bin/stable_token', {
        grant_type: 'client_credential',
        appid: app.appId,
        secret: app.appSecret,
        force_refresh: forceRefresh,
      })
      if (failed(data)) throw mapWeChatError(Number(data.errcode), data.errmsg, ctx)
      const accessToken = text(data.access_token)
      const expiresIn = Number(data.expires_in)
      if (!accessToken || !Number.isFinite(expiresIn) || expiresIn <= 0)
        throw new AppError('wechat_error', 'WeChat answered without an access token.')
      return { accessToken, expiresIn }
    },

    async getPhoneNumber(app, accessToken, phoneCode, openid) {
      if (!text(phoneCode) || phoneCode.length > maxCodeLength)
        throw new AppError('invalid_phone_code', 'The phone code is missing or malformed.')
      const ctx = context(app, 'getuserphonenumber')
      const path = `/wxa/business/getuserphonenumber?access_token=${encodeURIComponent(accessToken)}`
      const data = await call(ctx, path, openid ? { code: phoneCode, openid } : { code: phoneCode })
      if (failed(data)) throw mapWeChatError(Number(data.errcode), data.errmsg, ctx)
      return readPhoneInfo(data.phone_info, app.appId)
    },

    // https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html:
    // success is the image bytes with an image content type, failure JSON {errcode}.
    async getUnlimitedQrCode(
      app,
      accessToken,
      { scene, page, envVersion, checkPath, width = 430 },
    ) {
      const ctx = context(app, 'getwxacodeunlimit')
      const path = `/wxa/getwxacodeunlimit?access_token=${encodeURIComponent(accessToken)}`
      const body = { scene, page, check_path: checkPath, env_version: envVersion, width }
      const { contentType, raw } = await exchange(ctx, path, body)
      if (!/^image\//i.test(contentType)) {
        const data = parse(ctx, raw)
        if (failed(data)) throw mapWeChatError(Number(data.errcode), data.errmsg, ctx)
        throw new AppError('wechat_error', 'WeChat answered without the code image.')
      }
      return { contentType: imageType(raw) ?? contentType.split(';')[0]!.trim(), image: raw }
    },

    close: () => pool.close(),
  }
}

/** The type the bytes say: WeChat labels its codes image/jpeg whatever they are (getUnlimitedQRCode). */
function imageType(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png'
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  return undefined
}

/** A short reason for the log: the error's name and code, never its request (which holds the secret). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return 'request failed'
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? `${err.name} ${code}` : err.name
}
