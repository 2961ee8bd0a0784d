// The playground of `npm start` in a real browser: the page runs the project's SDK (bundled with esbuild)
// over the wx shim against the service and the WeChat simulator. wx.login shows the answer and the token's
// claims; a simulator phone code binds a phone; the profile is edited; the second Mini Program of the same
// developer account lands on the same user (unionid); injected WeChat faults show as the SDK's errors.
import { eq } from 'drizzle-orm'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { users } from '../../service/db/schema'
import { playgroundRoutes } from '../../service/playground/routes'
import { createTestApp, type TestApp } from '../helpers/test-app'
import { checkPage, DESKTOP } from './page-checks'

let t: TestApp
let browser: Browser
let page: Page

beforeAll(async () => {
  t = await createTestApp({
    pages: (sim, config) => playgroundRoutes({ simUrl: sim.url, config }),
  })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

afterAll(async () => {
  await browser?.close()
  await t?.close()
})

// Each test a freshly loaded page in its own browser context, logged in (if at all) by the test itself as
// its own person: none finds another's login, app choice or fault on the page.
beforeEach(async () => {
  page = await browser.newPage({ viewport: DESKTOP })
  await page.goto(`${t.url}/`)
  await page.waitForSelector('body[data-ready]')
})

afterEach(async () => {
  await page?.close()
})

/** Clicks a button of the page and waits for its action's outcome: `ok` or the error code. */
async function press(selector: string, action: string): Promise<string> {
  await page.evaluate(() => {
    const body = (
      globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }
    ).document.body
    delete body.dataset.last
  })
  await page.click(selector)
  const handle = await page.waitForSelector(`body[data-last^="${action}:"]`)
  return (await handle.getAttribute('data-last'))!.slice(action.length + 1)
}

/** wx.login as `person` on the page's current Mini Program; the user's id. */
async function logIn(person: string): Promise<string> {
  await page.fill('#person', person)
  expect(await press('#login', 'wx.login')).toBe('ok')
  return (await page.getAttribute('body', 'data-user'))!
}

const shownClaims = async () => JSON.parse((await page.textContent('#claims'))!)
const userRow = async (id: string) => (await t.db.select().from(users).where(eq(users.id, id)))[0]

describe('the playground', () => {
  it('logs in with wx.login and shows the login answer and the decoded token claims', async () => {
    await page.fill('#person', 'play-amy')
    expect(await press('#login', 'wx.login')).toBe('ok')
    const id = (await page.getAttribute('body', 'data-user'))!
    const answer = JSON.parse((await page.textContent('#answer'))!)
    expect(answer.user.id).toBe(id)
    expect(answer.accessToken.split('.')).toHaveLength(3)
    expect(await shownClaims()).toMatchObject({ sub: id, azp: 'shop', iss: t.config.publicUrl })
    expect(await userRow(id)).toBeDefined()
    await checkPage(page, 'playground')
  })

  it('binds a phone from a simulator phone code and edits the profile', async () => {
    const id = await logIn('play-bea')
    await page.fill('#phone', '13800138123')
    expect(await press('#bind-phone', 'getPhoneNumber')).toBe('ok')
    expect(await page.textContent('#who')).toContain('+8613800138123')
    await page.fill('#nickname', 'Bea Playground')
    expect(await press('#save-profile', 'updateProfile')).toBe('ok')
    expect(await page.textContent('#who')).toContain('Bea Playground')
    expect(await userRow(id)).toMatchObject({ phone: '+8613800138123', nickname: 'Bea Playground' })
  })

  it('lands the second Mini Program of the same developer account on the same user (unionid)', async () => {
    const id = await logIn('play-cy')
    await page.selectOption('#app', 'mall')
    expect(await press('#login', 'wx.login')).toBe('ok')
    expect(await page.getAttribute('body', 'data-user')).toBe(id)
    expect(await shownClaims()).toMatchObject({ sub: id, azp: 'mall' })
    await page.selectOption('#app', 'shop')
  })

  it('shows each injected WeChat fault as the error the SDK gives the Mini Program', async () => {
    await page.fill('#person', 'play-dee')
    for (const [fault, code] of [
      ['40226', 'wechat_user_blocked'],
      ['down', 'wechat_unavailable'],
      ['slow', 'wechat_unavailable'],
    ]) {
      await page.click(`[data-fault="${fault}"]`)
      await page.waitForSelector(`body[data-fault="${fault}"]`)
      expect(await press('#login', 'wx.login'), fault).toBe(code)
      expect(await page.textContent('#status')).toContain(code)
      await page.click('[data-fault="clear"]')
      await page.waitForSelector('body[data-fault="clear"]')
    }
    await checkPage(page, 'playground-fault')
    expect(await press('#login', 'wx.login')).toBe('ok')
  })

  it('refreshes, logs out and deletes the account through the SDK', async () => {
    await logIn('play-eve')
    const before = await shownClaims()
    t.clock.advance(1) // a new iat, so the refreshed token differs
    expect(await press('#refresh', 'refresh')).toBe('ok')
    const after = await shownClaims()
    expect(after).toMatchObject({ sid: before.sid, sub: before.sub })
    expect(after.iat).toBeGreaterThan(before.iat)
    expect(await press('#logout', 'logout')).toBe('ok')
    expect(await page.textContent('#who')).toBe('Not logged in')

    expect(await press('#login', 'wx.login')).toBe('ok')
    const id = (await page.getAttribute('body', 'data-user'))!
    expect(await press('#delete', 'deleteAccount')).toBe('ok')
    expect(await userRow(id)).toBeUndefined()
  })
})
