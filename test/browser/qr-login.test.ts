// QR login end to end in a real browser: Debian's chromium opens the playground page, which uses the widget;
// the test reads the code off the rendered image as a phone's camera would, the Mini Program side approves
// (or cancels) through the SDK, and the page ends logged in (or cancelled).
import jsQR from 'jsqr'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WechatLogin } from '../../client/src'
import { startQrDemo } from '../../service/qr-demo'
import { createWxShim } from '../client/wx-shim'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

const PAGE = 'pages/qr-login/index'

let t: TestApp
let demo: Awaited<ReturnType<typeof startQrDemo>>
let browser: Browser
let ticker: ReturnType<typeof setInterval>

beforeAll(async () => {
  demo = await startQrDemo()
  t = await createTestApp({
    connections: [{ ...APP_A, qrLoginPage: PAGE, pages: [PAGE], webOrigins: [demo.url] }],
    // This suite is about the page, not WeChat's deadline: the default test second is tight beside a browser.
    env: { WECHAT_TIMEOUT_MS: '10000' },
  })
  // The page polls on the browser's clock; the service's clock follows it, a tick at a time.
  ticker = setInterval(() => t.clock.advance(0.1), 100)
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

afterAll(async () => {
  clearInterval(ticker)
  await browser?.close()
  await demo?.close()
  await t?.close()
})

async function openPage(): Promise<Page> {
  const page = await browser.newPage()
  const query = new URLSearchParams({ endpoint: t.url, connection: 'shop' })
  await page.goto(`${demo.url}/?${query}`)
  await page.waitForSelector('#qr[data-state="pending"]')
  return page
}

/** The camera: the code's pixels as the page rendered them, decoded as a QR code. */
async function readCode(page: Page): Promise<string> {
  const { width, height, rgba } = await page.evaluate(() => {
    const doc = (globalThis as any).document // eslint-disable-line @typescript-eslint/no-explicit-any
    const img = doc.querySelector('#qr img[data-qr]')
    const canvas = doc.createElement('canvas')
    canvas.width = img.naturalWidth
    canvas.height = img.naturalHeight
    const ctx = canvas.getContext('2d')
    ctx.drawImage(img, 0, 0)
    const data: Uint8ClampedArray = ctx.getImageData(0, 0, canvas.width, canvas.height).data
    // Base64 crosses to Node in one string; an array of numbers of this size takes seconds.
    let binary = ''
    for (let i = 0; i < data.length; i += 0x8000)
      binary += String.fromCharCode(...data.subarray(i, i + 0x8000))
    return { width: canvas.width, height: canvas.height, rgba: btoa(binary) }
  })
  const pixels = new Uint8ClampedArray(Buffer.from(rgba, 'base64'))
  const found = jsQR(pixels, width, height)
  expect(found, 'a QR code in the rendered image').not.toBeNull()
  return found!.data
}

function miniProgram(user: string) {
  const shim = createWxShim({ simUrl: t.sim.url, appId: APP_A.appId, user })
  return new WechatLogin({ endpoint: t.url, connection: 'shop', wx: shim.wx })
}

describe('QR login in a browser', () => {
  it('logs the page in once the person approves in the Mini Program', async () => {
    const page = await openPage()
    const scene = await readCode(page)
    expect(scene).toMatch(/^[A-Za-z0-9_-]{32}$/)

    const sdk = miniProgram('browser-amy')
    await sdk.loginByCode()
    await sdk.updateProfile({ nickname: 'Amy' })
    // WeChat hands the page its scene URL-encoded (options.scene).
    const request = await sdk.approveQrLogin(encodeURIComponent(scene))
    expect(request.origin).toBe(demo.url)

    await page.waitForSelector(`body[data-user="${sdk.getSession()!.user.id}"]`)
    expect(await page.getAttribute('#qr', 'data-state')).toBe('confirmed')
    const shown = JSON.parse((await page.textContent('#me'))!)
    expect(shown.user.nickname).toBe('Amy')
    expect(shown.claims).toMatchObject({ client: 'web', azp: 'shop' })
    await page.close()
  })

  it('shows who scanned, then the cancellation, and gets a new code on refresh', async () => {
    const page = await openPage()
    const scene = await readCode(page)
    const sdk = miniProgram('browser-ben')
    await sdk.loginByCode()
    await sdk.updateProfile({ nickname: 'Ben' })

    await sdk.scanQrLogin(scene)
    await page.waitForSelector('#qr[data-state="scanned"]')
    expect(await page.textContent('#qr [data-status]')).toContain('Ben')
    await sdk.cancelQrLogin(scene)
    await page.waitForSelector('#qr[data-state="cancelled"]')
    expect(await page.getAttribute('body', 'data-user')).toBeNull()

    await page.click('#qr [data-refresh]')
    await page.waitForSelector('#qr[data-state="pending"]')
    expect(await readCode(page)).not.toBe(scene)
    await page.close()
  })
})
