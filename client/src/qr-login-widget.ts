// renderQrLogin(): the web page's side of QR login (扫码登录) in a browser, with no dependencies. It shows the
// Mini Program code, who scanned it, the time left with a refresh button, and hands the tokens to onLogin.

/**
 * The DOM the widget touches, typed here: the repository's type check runs without the DOM library (it
 * would retype Node's globals), and a page's HTMLElement fits these shapes.
 */
export interface QrLoginHost {
  setAttribute(name: string, value: string): void
  replaceChildren(...nodes: WidgetNode[]): void
}
interface WidgetNode extends QrLoginHost {
  addEventListener(type: 'click', listener: () => void): void
  textContent: string | null
  hidden: boolean
  src: string
  style: { opacity: string }
}
declare const document: { createElement(tag: 'img' | 'p' | 'button'): WidgetNode }

export interface QrLoginTokens {
  user: { id: string; nickname: string | null; avatar: string | null; [key: string]: unknown }
  accessToken: string
  refreshToken: string
  tokenType: 'Bearer'
  expiresIn: number
}

export type QrLoginState =
  'loading' | 'pending' | 'scanned' | 'confirmed' | 'cancelled' | 'expired' | 'error'

export interface QrLoginWidgetOptions {
  /** The authentication address, e.g. `https://auth.example.com`; this page's origin must be in `webOrigins`. */
  endpoint: string
  /** The connection id whose Mini Program approves. */
  connection: string
  /** Called once with the login answer; keep the tokens as your web app keeps sessions. */
  onLogin: (tokens: QrLoginTokens) => void
  /** Called on every state change, e.g. to log or to style around the widget. */
  onState?: (state: QrLoginState) => void
  /** Texts, e.g. in Chinese; `{name}` and `{time}` are filled in. */
  labels?: Partial<typeof defaultLabels>
}

export const defaultLabels = {
  loading: 'Preparing the code…',
  pending: 'Scan with WeChat to log in',
  expiresIn: 'Expires in {time}',
  scanned: '{name} scanned the code: confirm on the phone',
  someone: 'Someone',
  confirmed: 'Logged in',
  cancelled: 'The login was cancelled on the phone',
  expired: 'The code has expired',
  error: 'Could not reach the login service',
  refresh: 'Get a new code',
}

interface Started {
  id: string
  image: string
  expiresIn: number
  interval: number
  pollToken: string
}

type Poll =
  | { status: 'pending' | 'cancelled' | 'expired' }
  | { status: 'scanned'; scanner: { nickname: string | null; avatar: string | null } }
  | ({ status: 'confirmed' } & QrLoginTokens)

const el = (tag: 'img' | 'p' | 'button', attrs: Record<string, string> = {}) => {
  const node = document.createElement(tag)
  for (const name of Object.keys(attrs)) node.setAttribute(name, attrs[name]!)
  return node
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** Renders into `element` (replacing its content) and starts a login; `destroy()` stops every timer. */
export function renderQrLogin(element: QrLoginHost, options: QrLoginWidgetOptions) {
  const labels = { ...defaultLabels, ...options.labels }
  const base = options.endpoint.replace(/\/+$/, '')
  const image = el('img', { 'data-qr': '', alt: labels.pending, width: '240', height: '240' })
  const avatar = el('img', { 'data-avatar': '', alt: '', width: '32', height: '32' })
  const status = el('p', { 'data-status': '' })
  const countdown = el('p', { 'data-expires': '' })
  const refresh = el('button', { type: 'button', 'data-refresh': '' })
  refresh.textContent = labels.refresh
  element.replaceChildren(image, avatar, status, countdown, refresh)

  let generation = 0 // a refresh or destroy makes every timer of the previous login a no-op
  let timers: ReturnType<typeof setTimeout>[] = []
  const later = (ms: number, run: () => void) => {
    const mine = generation
    timers.push(setTimeout(() => mine === generation && run(), ms))
  }

  function show(state: QrLoginState, text: string) {
    element.setAttribute('data-state', state)
    status.textContent = text
    const live = state === 'pending' || state === 'scanned'
    image.style.opacity = live ? '1' : '0.2'
    image.hidden = state === 'loading' || state === 'confirmed'
    refresh.hidden = live || state === 'loading' || state === 'confirmed'
    if (!live) countdown.textContent = ''
    if (state !== 'scanned') avatar.hidden = true
    options.onState?.(state)
  }

  async function call(path: string, init: RequestInit): Promise<Response> {
    return fetch(base + path, { ...init, mode: 'cors', credentials: 'omit' })
  }

  function tick(deadline: number) {
    const left = (deadline - Date.now()) / 1000
    if (left <= 0) return finish('expired')
    countdown.textContent = labels.expiresIn.replace('{time}', clock(left))
    later(Math.min(1000, left * 1000), () => tick(deadline))
  }

  function finish(state: 'cancelled' | 'expired' | 'error') {
    generation++
    timers.forEach(clearTimeout)
    timers = []
    show(state, labels[state])
  }

  async function poll(login: Started) {
    let res: Response
    try {
      res = await call(`/v1/qr-logins/${login.id}`, {
        headers: { authorization: `Bearer ${login.pollToken}` },
      })
    } catch {
      return later(login.interval * 1000, () => void poll(login)) // a blip: the next poll may pass
    }
    const retryAfter = Number(res.headers.get('retry-after')) || 0
    if (res.status === 429)
      return later(Math.max(retryAfter, login.interval) * 1000, () => void poll(login))
    if (!res.ok) return finish('error')
    const answer = (await res.json()) as Poll
    if (answer.status === 'confirmed') {
      const { status: _status, ...tokens } = answer
      generation++
      timers.forEach(clearTimeout)
      show('confirmed', labels.confirmed)
      options.onLogin(tokens)
      return
    }
    if (answer.status === 'cancelled' || answer.status === 'expired') return finish(answer.status)
    if (answer.status === 'scanned') {
      const name = answer.scanner.nickname || labels.someone
      show('scanned', labels.scanned.replace('{name}', name))
      avatar.hidden = !answer.scanner.avatar
      if (answer.scanner.avatar) avatar.src = answer.scanner.avatar
    } else show('pending', labels.pending)
    later(login.interval * 1000, () => void poll(login))
  }

  async function start() {
    generation++
    timers.forEach(clearTimeout)
    timers = []
    const mine = generation
    show('loading', labels.loading)
    try {
      const res = await call(
        `/v1/connections/${encodeURIComponent(options.connection)}/qr-logins`,
        {
          method: 'POST',
        },
      )
      if (mine !== generation) return
      if (!res.ok) return finish('error')
      const login = (await res.json()) as Started
      if (mine !== generation) return
      image.src = login.image
      show('pending', labels.pending)
      tick(Date.now() + login.expiresIn * 1000)
      later(login.interval * 1000, () => void poll(login))
    } catch {
      if (mine === generation) finish('error')
    }
  }

  refresh.addEventListener('click', () => void start())
  void start()
  return {
    /** Drops the current code and shows a new one. */
    refresh: () => void start(),
    /** Stops polling and the countdown; the element keeps its last content. */
    destroy() {
      generation++
      timers.forEach(clearTimeout)
      timers = []
    },
  }
}
