// A `wx` for Node: storage in a Map (JSON round trip, '' for a missing key, as WeChat does), wx.request over
// fetch (every HTTP answer reaches `success`; `fail` only when no answer came), and wx.login minting a real
// code from the WeChat simulator. It records the requests it sent, so tests can count calls.
import type { Wx } from '../client/src'

export interface WxShimOptions {
  /** The simulator's base URL. */
  simUrl: string
  /** The Mini Program the codes are for. */
  appId: string
  /** The simulated WeChat user behind this phone. */
  user: string
}

type Callbacks = {
  success?: (res: unknown) => void
  fail?: (err: { errMsg: string }) => void
  complete?: (res: unknown) => void
}

interface RequestCall extends Callbacks {
  url: string
  method?: string
  data?: unknown
  header?: Record<string, string>
  dataType?: string
}

function finish(o: Callbacks, ok: boolean, res: unknown) {
  if (ok) o.success?.(res)
  else o.fail?.(res as { errMsg: string })
  o.complete?.(res)
}

function bodyOf(method: string, data: unknown): { query: string; body?: string } {
  if (data === undefined || data === null) return { query: '' }
  if (method === 'GET') {
    const params = new URLSearchParams(data as Record<string, string>).toString()
    return { query: params ? `?${params}` : '' }
  }
  return { query: '', body: typeof data === 'string' ? data : JSON.stringify(data) }
}

export function createWxShim(options: WxShimOptions) {
  const storage = new Map<string, string>()
  const requests: { method: string; url: string; header: Record<string, string> }[] = []
  const state = { user: options.user, offline: false, fixedCode: undefined as string | undefined }

  async function send(o: RequestCall) {
    const method = (o.method ?? 'GET').toUpperCase()
    const { query, body } = bodyOf(method, o.data)
    requests.push({ method, url: o.url, header: { ...o.header } })
    if (state.offline) throw new Error('offline')
    // WeChat sends content-type: application/json unless the header says otherwise.
    const headers = { ...o.header }
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json'
    const res = await fetch(o.url + query, { method, headers, body })
    const text = await res.text()
    let data: unknown = text
    if (o.dataType !== 'text' && text) {
      try {
        data = JSON.parse(text)
      } catch {
        data = text
      }
    }
    const header = Object.fromEntries(res.headers)
    return { data, statusCode: res.status, header, cookies: [], errMsg: 'request:ok' }
  }

  async function mint(): Promise<string> {
    if (state.fixedCode) return state.fixedCode
    const res = await fetch(`${options.simUrl}/__sim/login-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId: options.appId, user: state.user }),
    })
    if (!res.ok) throw new Error(`simulator answered ${res.status}`)
    return ((await res.json()) as { code: string }).code
  }

  const wx = {
    getStorageSync: (key: string): unknown => {
      const raw = storage.get(key)
      return raw === undefined ? '' : JSON.parse(raw)
    },
    setStorageSync: (key: string, value: unknown) => void storage.set(key, JSON.stringify(value)),
    removeStorageSync: (key: string) => void storage.delete(key),
    request(o: RequestCall) {
      send(o).then(
        (res) => finish(o, true, res),
        (err: Error) => finish(o, false, { errMsg: `request:fail ${err.message}` }),
      )
      return { abort() {} }
    },
    login(o: Callbacks = {}) {
      mint().then(
        (code) => finish(o, true, { code, errMsg: 'login:ok' }),
        (err: Error) => finish(o, false, { errMsg: `login:fail ${err.message}` }),
      )
    },
  }

  return {
    /** The double; its methods' signatures are WeChat's in the forms the SDKs call them. */
    wx: wx as unknown as Wx,
    /** Raw storage: key → JSON text. */
    storage,
    stored: (key: string) => wx.getStorageSync(key),
    /** Every wx.request: method, url and the headers as the caller gave them (before WeChat's default). */
    requests,
    /** Who logs in next; `offline` makes wx.request fail; `fixedCode` makes wx.login repeat a code. */
    state,
    /** A code as the Mini Program would get it, for SDKs that take the code as an argument. */
    loginCode: () => mint(),
  }
}

export type WxShim = ReturnType<typeof createWxShim>
