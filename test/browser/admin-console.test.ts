// The admin console in a real browser (Debian's chromium): sign in with the key, find a user, block them
// (their next login through the SDK is refused), unblock, delete after a confirmation that names them; the
// audit log, signing keys and connection health, in English and Chinese. Each page passes axe-core and is
// kept as a screenshot at desktop width and at 375 px.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { WechatLogin, WechatLoginError } from '../../client/src'
import { createWxShim } from '../../testing/wx-shim'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'
import { checkPage, DESKTOP } from './page-checks'

const ADMIN_KEY = 'admin-key-for-the-console-browser-test-0123456789'
let t: TestApp
let browser: Browser
let context: BrowserContext
let page: Page

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY } })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

afterAll(async () => {
  await browser?.close()
  await t?.close()
})

// Each test its own browser profile (no cookies, no language choice) and signs in itself: none relies on
// another's session, and the sign-out test cannot sign the others out.
beforeEach(async () => {
  // localhost, not 127.0.0.1: the name Chromium treats as a secure context for Secure cookies.
  context = await browser.newContext({
    viewport: DESKTOP,
    baseURL: t.url.replace('127.0.0.1', 'localhost'),
  })
  page = await context.newPage()
})

afterEach(async () => {
  await context?.close()
})

/** Through the sign-in form, as a person would; the first test checks what it leaves behind. */
async function signIn() {
  await page.goto('/admin/sign-in')
  await page.fill('#key', ADMIN_KEY)
  await page.click('form[action="/admin/sign-in"] button')
  await page.waitForURL('**/admin/users')
}

/** A Mini Program of the connection `shop`, played by the simulator's test user `person`. */
function miniProgram(person: string) {
  const { wx } = createWxShim({ simUrl: t.sim.url, appId: APP_A.appId, user: person })
  return new WechatLogin({ endpoint: t.url, connection: 'shop', wx, relogin: false })
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(WechatLoginError)
  return (err as WechatLoginError).code
}

describe('the admin console', () => {
  it('signs in with the key into an HttpOnly cookie; the key is in no URL, cookie or storage', async () => {
    await page.goto('/admin')
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in')
    await checkPage(page, 'console-sign-in')
    await page.fill('#key', 'not-the-key')
    await page.click('form[action="/admin/sign-in"] button')
    expect(await page.textContent('[role=alert]')).toContain('admin_unauthorized')

    await page.fill('#key', ADMIN_KEY)
    await page.click('form[action="/admin/sign-in"] button')
    await page.waitForURL('**/admin/users')
    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === '__Host-console')!
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' })
    for (const c of cookies) expect(c.value).not.toContain(ADMIN_KEY)
    expect(page.url()).not.toContain(ADMIN_KEY)
    const stored = await page.evaluate(() => {
      const g = globalThis as unknown as {
        localStorage: { length: number }
        sessionStorage: { length: number }
      }
      return g.localStorage.length + g.sessionStorage.length
    })
    expect(stored).toBe(0)
  })

  it('finds a user, blocks them (their next login is refused), unblocks, deletes after naming them', async () => {
    const sdk = miniProgram('console-carol')
    await sdk.loginByCode()
    await sdk.updateProfile({ nickname: 'Carol Console' })
    const id = sdk.getSession()!.user.id

    await signIn()
    await page.goto('/admin/users')
    await page.selectOption('select[name=by]', 'nickname')
    await page.fill('input[name=q]', 'Carol C')
    await page.click('form[role=search] button')
    await page.waitForSelector(`a[href="/admin/users/${id}"]`)
    await checkPage(page, 'console-users')
    await page.click(`a[href="/admin/users/${id}"]`)
    await page.waitForSelector('#profile')
    expect(await page.textContent('h1')).toBe('Carol Console')
    await checkPage(page, 'console-user')

    await page.click('button:has-text("Block")')
    await page.waitForSelector('.notice')
    expect(await page.textContent('.badge')).toBe('blocked')
    expect(await refusal(miniProgram('console-carol').loginByCode())).toBe('user_blocked')

    await page.click('button:has-text("Unblock")')
    await page.waitForSelector('.badge.active')
    expect((await miniProgram('console-carol').loginByCode()).user.id).toBe(id)

    await page.click('a:has-text("Delete")')
    await page.waitForURL(`**/admin/users/${id}/delete`)
    expect(await page.textContent('button.danger')).toBe('Delete Carol Console')
    await checkPage(page, 'console-delete')
    await page.click('button.danger')
    await page.waitForURL('**/admin/users?done=deleted')
    expect((await t.admin('GET', `/v1/admin/users/${id}`)).status).toBe(404)
    expect(await refusal(sdk.getCurrentUser())).toBe('session_revoked')
  })

  it('shows the audit log with filters, rotates the signing key, and each connection’s health', async () => {
    await signIn()
    // A block through the console, for the filter to find.
    const { user } = await miniProgram('console-erin').loginByCode()
    await page.goto(`/admin/users/${user.id}`)
    await page.click('button:has-text("Block")')
    await page.waitForSelector('.notice')

    await page.goto('/admin/audit')
    await page.fill('input[name=type]', 'user.blocked')
    await page.click('form[action="/admin/audit"] button')
    await page.waitForSelector('td code:has-text("user.blocked")')
    expect(await page.textContent('tbody')).toContain('"actor":"console"')
    await checkPage(page, 'console-audit')

    await page.goto('/admin/keys')
    const before = await page.locator('tbody tr').count()
    await page.click('form[action="/admin/keys/rotate"] button')
    await page.waitForSelector('.notice')
    expect(await page.locator('tbody tr').count()).toBe(before + 1)
    await checkPage(page, 'console-keys')

    // A WeChat refusal: the console lists it under the connection.
    await t.simControl('/faults', { path: '/sns/jscode2session', errcode: 40226, times: 1 })
    expect(await refusal(miniProgram('console-dan').loginByCode())).toBe('wechat_user_blocked')
    await page.goto('/admin/connections')
    expect(await page.textContent('section[aria-labelledby="c-shop"]')).toContain(
      'wechat_user_blocked',
    )
    await checkPage(page, 'console-connections')
    await page.goto('/admin/webhooks')
    await checkPage(page, 'console-webhooks')
  })

  it('switches to Chinese and back, staying on the page', async () => {
    await signIn()
    await page.goto('/admin/connections')
    await page.click('header a[hreflang=zh]')
    await page.waitForSelector('html[lang=zh-CN]')
    expect(new URL(page.url()).pathname).toBe('/admin/connections')
    expect(await page.textContent('h1')).toBe('连接')
    await checkPage(page, 'console-connections-zh')
    await page.click('header a[hreflang=en]')
    await page.waitForSelector('html[lang=en]')
  })

  it('signs out: the cookie is gone and the pages send the browser to sign in', async () => {
    await signIn()
    expect((await context.cookies()).find((c) => c.name === '__Host-console')).toBeDefined()
    await page.goto('/admin/users')
    await page.click('header button')
    await page.waitForURL('**/admin/sign-in')
    expect((await context.cookies()).find((c) => c.name === '__Host-console')).toBeUndefined()
    await page.goto('/admin/users')
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in')
  })
})
