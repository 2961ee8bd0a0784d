// The playground page's script, bundled by esbuild for the browser: the project's own SDK over the wx shim
// (wx.login mints codes from the WeChat simulator, wx.request is fetch), so each answer shown is what a
// Mini Program gets. One simulated phone per Mini Program and person, each with its own storage.
import { WechatLogin, WechatLoginError, type Session } from '../../client/src'
import { createWxShim } from '../../testing/wx-shim'

/** The DOM this script touches, typed here: the repository's type check runs without the DOM library. */
interface El {
  value: string
  textContent: string | null
  disabled: boolean
  dataset: Record<string, string | undefined>
  selectedOptions: { dataset: Record<string, string | undefined> }[]
  addEventListener(type: 'click' | 'change', listener: () => void): void
  append(...nodes: (El | string)[]): void
  querySelectorAll(selector: string): El[]
  prepend(...nodes: El[]): void
}
declare const document: {
  getElementById(id: string): El
  createElement(tag: string): El
  body: El
  querySelectorAll(selector: string): El[]
}
declare const location: { origin: string }

const $ = (id: string) => document.getElementById(id)
const simBase = `${location.origin}/playground`
const endpoint = location.origin
const phones = new Map<string, { sdk: WechatLogin; refresher: WechatLogin }>()

function current() {
  const app = $('app')
  const connection = app.value
  const appId = app.selectedOptions[0]!.dataset.appId!
  const person = $('person').value.trim() || 'alice'
  const key = `${connection}/${person}`
  let phone = phones.get(key)
  if (!phone) {
    const { wx } = createWxShim({ simUrl: simBase, appId, user: person })
    phone = {
      sdk: new WechatLogin({ endpoint, connection, wx }),
      // Shares the phone's storage and refreshes on every call: the "Refresh token" button.
      refresher: new WechatLogin({ endpoint, connection, wx, refreshLeewaySeconds: 1e9 }),
    }
    phones.set(key, phone)
  }
  return { ...phone, appId, person, connection }
}

/** An access token's payload, as any backend would read it after verifying the signature. */
function claims(token: string): unknown {
  const part = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')
  const bytes = Uint8Array.from(atob(part), (ch) => ch.charCodeAt(0))
  return JSON.parse(new TextDecoder().decode(bytes))
}

function showSession(session: Session | null) {
  const who = $('who')
  if (!session) {
    who.textContent = 'Not logged in'
    $('claims').textContent = '{}'
    delete document.body.dataset.user
    return
  }
  const u = session.user
  who.textContent = `${u.nickname || 'no nickname'} · ${u.phone ?? 'no phone'} · ${u.id}`
  $('claims').textContent = JSON.stringify(claims(session.accessToken), null, 2)
  document.body.dataset.user = u.id
}

function log(line: string) {
  const item = document.createElement('li')
  item.textContent = `${new Date().toLocaleTimeString()} ${line}`
  $('log').prepend(item)
}

/** Runs one action, then shows its answer or its error code in the server's view. */
async function run(name: string, action: () => Promise<unknown>) {
  const status = $('status')
  const buttons = document.querySelectorAll('button')
  for (const b of buttons) b.disabled = true
  const started = performance.now()
  try {
    const answer = await action()
    const ms = Math.round(performance.now() - started)
    status.dataset.ok = 'true'
    status.textContent = `${name}: ok (${ms} ms)`
    $('answer').textContent = JSON.stringify(answer ?? null, null, 2)
    document.body.dataset.last = `${name}:ok`
    log(`${name} → ok`)
  } catch (err) {
    const ms = Math.round(performance.now() - started)
    const code = err instanceof WechatLoginError ? err.code : 'error'
    status.dataset.ok = 'false'
    status.textContent = `${name}: ${code} (${ms} ms)`
    const detail =
      err instanceof WechatLoginError
        ? { code: err.code, status: err.status, message: err.message, requestId: err.requestId }
        : { message: String(err) }
    $('answer').textContent = JSON.stringify({ error: detail }, null, 2)
    document.body.dataset.last = `${name}:${code}`
    log(`${name} → ${code}`)
  } finally {
    for (const b of buttons) b.disabled = false
    showSession(current().sdk.getSession())
  }
}

async function sim(path: string, method: 'POST' | 'DELETE', body?: unknown) {
  const res = await fetch(`${simBase}/__sim/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`simulator: ${res.status} ${await res.text()}`)
  return res.json() as Promise<Record<string, string>>
}

const on = (id: string, name: string, action: () => Promise<unknown>) =>
  $(id).addEventListener('click', () => void run(name, action))

on('login', 'wx.login', () => current().sdk.loginByCode())
on('bind-phone', 'getPhoneNumber', async () => {
  const { sdk, appId, person } = current()
  const phoneNumber = $('phone').value.trim()
  // What the getPhoneNumber button hands the page: a single-use code for this person's number.
  const { code } = await sim('phone-codes', 'POST', { appId, phoneNumber, user: person })
  return sdk.bindPhone(code!)
})
on('save-profile', 'updateProfile', () =>
  current().sdk.updateProfile({ nickname: $('nickname').value.trim() || null }),
)
on('refresh', 'refresh', async () => {
  const { refresher, sdk } = current()
  await refresher.getCurrentUser()
  return sdk.getSession()
})
on('logout', 'logout', () => current().sdk.logout())
on('delete', 'deleteAccount', () => current().sdk.deleteAccount())
for (const select of ['app', 'person'])
  $(select).addEventListener('change', () => showSession(current().sdk.getSession()))

const faults: Record<string, (timeoutMs: number) => Record<string, unknown>> = {
  down: () => ({ status: 503 }),
  slow: (timeoutMs) => ({ delayMs: timeoutMs + 1000 }),
  '40226': () => ({ errcode: 40226 }),
}
for (const button of document.querySelectorAll('[data-fault]'))
  button.addEventListener('click', () => {
    const kind = button.dataset.fault!
    const state = $('fault-state')
    const timeoutMs = Number(document.body.dataset.timeoutMs) || 5000
    const armed =
      kind === 'clear'
        ? sim('faults', 'DELETE')
        : sim('faults', 'POST', {
            path: '/sns/jscode2session',
            times: 1,
            ...faults[kind]!(timeoutMs),
          })
    void armed.then(
      () => {
        state.textContent = kind === 'clear' ? 'No fault armed.' : `Armed: ${kind}. Press wx.login.`
        document.body.dataset.fault = kind
        log(kind === 'clear' ? 'faults cleared' : `fault armed: ${kind}`)
      },
      (err: Error) => (state.textContent = err.message),
    )
  })
document.body.dataset.ready = 'true'
