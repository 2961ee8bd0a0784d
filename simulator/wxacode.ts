// getwxacodeunlimit as the simulator draws it: the request checked as getUnlimitedQRCode's doc describes, and a real
// PNG whose QR code holds the scene verbatim, so that a test can read it back as a phone would.
import QRCode from 'qrcode'
import type { SimApp } from './state'
import { WxError } from './wire'

/** https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html: "1–32 visible characters of 0-9a-zA-Z!#$&'()*+,/:;=?@-._~". */
const sceneShape = /^[0-9a-zA-Z!#$&'()*+,/:;=?@\-._~]{1,32}$/
const envVersions = ['release', 'trial', 'develop']

export interface WxaCode {
  appId: string
  scene: string
  page: string
  envVersion: string
  checkPath: boolean
  width: number
}

/** Validates the body (40097 invalid arguments, 41030 invalid page) and returns what the code opens. */
export function readWxaCodeRequest(app: SimApp, body: Record<string, unknown>): WxaCode {
  const { scene, page = '', check_path = true, env_version = 'release', width = 430 } = body
  if (typeof scene !== 'string' || !sceneShape.test(scene)) throw new WxError(40097)
  if (typeof env_version !== 'string' || !envVersions.includes(env_version))
    throw new WxError(40097)
  if (typeof width !== 'number' || width < 280 || width > 1280) throw new WxError(40097)
  if (typeof check_path !== 'boolean') throw new WxError(40097)
  // "a published page path, no leading /, no query"; with check_path it must be in the published version.
  if (typeof page !== 'string' || page.startsWith('/') || page.includes('?'))
    throw new WxError(41030)
  if (page && check_path && !(app.pages ?? []).includes(page)) throw new WxError(41030)
  return { appId: app.appId, scene, page, envVersion: env_version, checkPath: check_path, width }
}

/** The code's image. WeChat draws a round Mini Program code; a plain QR of the scene stands in for it. */
export function drawWxaCode(code: WxaCode): Promise<Buffer> {
  return QRCode.toBuffer(code.scene, { type: 'png', width: code.width, margin: 2 })
}
