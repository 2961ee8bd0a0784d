// The example Mini Program (examples/miniprogram) rendered by WeChat's miniprogram-simulate against the
// real service and the simulator: app.js runs the built SDK as DevTools would after "Build npm", and the
// wx shim stands in for wx.login and wx.request. Login page, phone button, profile page; the token then
// verified by the example backend.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier } from '../../examples/backend/verify-token'
import { usePostgres } from '../helpers/test-app'
import {
  createWxShim,
  defaultSimApps,
  startSimulator,
  startTestService,
  type StartedSimulator,
  type TestService,
  type WxShim,
} from '../../testing'

const root = resolve('examples/miniprogram')
const devApp = defaultSimApps[0]!
const require = createRequire(import.meta.url)
// A DOM for miniprogram-simulate (j-component renders into it), as globals: vitest's jsdom environment
// would also replace URL, which the service needs to find its migrations.
const { JSDOM } = require('jsdom') as {
  JSDOM: new (html: string) => { window: Record<string, unknown> }
}
const { window } = new JSDOM('<!doctype html><html><body></body></html>')
const document = window.document as { createElement(tag: string): object }
Object.assign(globalThis, { window, document })
// j-component dispatches events it builds with the global constructors onto jsdom's elements.
const nodeEvents = { Event: globalThis.Event, CustomEvent: globalThis.CustomEvent }
function withDomEvents(run: () => void) {
  Object.assign(globalThis, { Event: window.Event, CustomEvent: window.CustomEvent })
  try {
    run()
  } finally {
    Object.assign(globalThis, nodeEvents)
  }
}
const simulate = require('miniprogram-simulate') as {
  load(path: string, options?: object): string
  render(id: string): Rendered
  sleep(ms: number): Promise<void>
}
interface Rendered {
  instance: Record<string, (...args: unknown[]) => Promise<void>> & {
    data: Record<string, unknown>
  }
  attach(parent: object): void
  querySelector(selector: string): { dispatchEvent(name: string, init?: object): void } | null
  dom: { textContent: string }
}

let wechat: StartedSimulator
let auth: TestService
let sdkDir: string
let shim: WxShim
const globals = globalThis as unknown as Record<string, unknown>

beforeAll(async () => {
  wechat = await startSimulator({ apps: defaultSimApps })
  auth = await startTestService({
    wechatApiBaseUrl: wechat.url,
    connections: [{ id: 'wechat-miniprogram', appId: devApp.appId, appSecret: devApp.secret }],
  })
  sdkDir = mkdtempSync(join(tmpdir(), 'example-sdk-'))
  execFileSync(process.execPath, ['client/build.mjs', sdkDir], { stdio: 'pipe' })
})
afterAll(async () => {
  rmSync(sdkDir, { recursive: true, force: true })
  await auth?.close()
  await wechat?.close()
})

/**
 * Runs app.js as the Mini Program runtime would, with the SDK from "Build npm" and config.js's endpoint here.
 * `user`: the simulated WeChat user, one per test, so that no test sees another's nickname or phone.
 */
function launch(user: string, uploadAvatar = async (_: string): Promise<string | null> => null) {
  shim = createWxShim({ simUrl: wechat.url, appId: devApp.appId, user })
  globals.wx = shim.wx
  let app: Record<string, unknown> & { onLaunch(): void; ready: Promise<unknown> }
  const config = { ...(createRequire(join(root, 'app.js'))('./config.js') as object) }
  const modules: Record<string, unknown> = {
    'wechat-login-stack-client': loadSdk(),
    './config': { ...config, endpoint: auth.url, uploadAvatar },
  }
  runInNewContext(readFileSync(join(root, 'app.js'), 'utf8'), {
    require: (name: string) => modules[name],
    App: (definition: typeof app) => (app = definition),
    wx: shim.wx,
    console,
  })
  globals.getApp = () => app
  app!.onLaunch()
  return app!
}

function loadSdk() {
  const module = { exports: {} }
  runInNewContext(readFileSync(join(sdkDir, 'index.js'), 'utf8'), {
    module,
    exports: module.exports,
    wx: shim.wx,
    console,
  })
  return module.exports
}

/** Waits for a page's asynchronous handler to re-render (the handler itself awaits HTTP calls). */
async function until(done: () => boolean) {
  for (let i = 0; i < 500 && !done(); i++) await simulate.sleep(20)
  expect(done()).toBe(true)
}

function page(path: string): Rendered {
  const id = simulate.load(join(root, path), { compiler: 'simulate', rootPath: root })
  const rendered = simulate.render(id)
  rendered.attach(document.createElement('parent-wrapper'))
  return rendered
}

// `npm start` always runs on PGlite: this suite runs once, in the pglite project.
describe.skipIf(usePostgres())('examples/miniprogram in miniprogram-simulate', () => {
  it('logs in on launch, shows the user, binds a phone through the button, and the backend verifies the token', async () => {
    const app = launch('alice')
    const login = page('pages/login/login')
    await login.instance.onLoad!()
    const user = (await app.ready) as { id: string }
    expect(login.dom.textContent).toContain(`Logged in as ${user.id}`)
    const button = login.querySelector('#phone-button')
    expect(button).toBeTruthy()

    const { code } = (await (
      await fetch(`${wechat.url}/__sim/phone-codes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appId: devApp.appId, phoneNumber: '13800138000' }),
      })
    ).json()) as { code: string }
    // What WeChat does when the user allows: the button's getphonenumber event with the code.
    withDomEvents(() =>
      button!.dispatchEvent('getphonenumber', { detail: { code, errMsg: 'getPhoneNumber:ok' } }),
    )
    await until(() => login.dom.textContent.includes('Phone: +8613800138000'))
    expect(login.querySelector('#phone-button')).toBeFalsy()

    const session = (app.auth as { getSession(): { accessToken: string } }).getSession()
    const verify = createVerifier(auth.url, devApp.appId)
    expect(await verify(`Bearer ${session.accessToken}`)).toMatchObject({
      userId: user.id,
      connection: 'wechat-miniprogram',
    })
  })

  it('saves the nickname and the uploaded avatar from the fill components on the profile page', async () => {
    launch('profile-alice', async (temp) =>
      temp.startsWith('http://tmp/') ? 'https://cdn.example.test/a.png' : null,
    )
    const profile = page('pages/profile/profile')
    await profile.instance.onLoad!()
    withDomEvents(() =>
      profile.querySelector('#nickname')!.dispatchEvent('blur', { detail: { value: '  Alice  ' } }),
    )
    await until(() => profile.dom.textContent.includes('Saved: Alice'))
    await profile.instance.onChooseAvatar!({ detail: { avatarUrl: 'http://tmp/avatar.jpeg' } })
    const me = await (
      globals.getApp as () => { auth: { getCurrentUser(): Promise<object> } }
    )().auth.getCurrentUser()
    expect(me).toMatchObject({ nickname: 'Alice', avatar: 'https://cdn.example.test/a.png' })
  })
})
