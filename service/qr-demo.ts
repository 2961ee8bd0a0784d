// The QR login playground of `npm start` (and the page the browser test drives): a web page on an origin of
// its own that uses client/src/qr-login-widget.ts, and a stand-in phone that scans the newest code the
// simulator drew and approves or cancels it as a test user. Development only: it needs esbuild.
import { serve } from '@hono/node-server'
import { build } from 'esbuild'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

export interface QrDemoOptions {
  port?: number
  host?: string
  /** Defaults of the page; `?endpoint=&connection=` in its URL override them. */
  endpoint?: string
  connection?: string
  /** The simulator and the Mini Program it plays, for the stand-in phone. */
  simUrl?: string
  appId?: string
}

async function widgetBundle(): Promise<string> {
  const entry = fileURLToPath(new URL('../client/src/qr-login-widget.ts', import.meta.url))
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2017',
    write: false,
    logLevel: 'warning',
  })
  return out.outputFiles[0]!.text
}

const page = (endpoint: string, connection: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>QR login playground</title><link rel="icon" href="data:,">
<style>body{font:16px system-ui;margin:2rem;max-width:40rem}#qr img[data-qr]{display:block;border:1px solid #ccc}
pre{background:#f4f4f4;padding:1rem;overflow:auto}</style></head>
<body><h1>Log in by scanning with the Mini Program</h1>
<div id="qr"></div>
<h2>Logged in as</h2><pre id="me">nobody yet</pre>
<h2>The phone (development only)</h2>
<p>Plays a person who scans the newest code with the simulated Mini Program.</p>
<input id="user" value="alice"> <button id="approve">Scan and approve</button> <button id="cancel">Scan and cancel</button>
<script type="module">
import { renderQrLogin } from './widget.js'
const params = new URLSearchParams(location.search)
const endpoint = params.get('endpoint') || ${JSON.stringify(endpoint)}
const connection = params.get('connection') || ${JSON.stringify(connection)}
renderQrLogin(document.getElementById('qr'), {
  endpoint,
  connection,
  onLogin(tokens) {
    // A real web app sends the access token to its backend, which verifies it against the JWKS.
    const claims = JSON.parse(atob(tokens.accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
    document.getElementById('me').textContent = JSON.stringify({ user: tokens.user, claims }, null, 2)
    document.body.dataset.user = tokens.user.id
  },
})
for (const action of ['approve', 'cancel'])
  document.getElementById(action).onclick = () => fetch('./phone', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action, user: document.getElementById('user').value, endpoint, connection }),
  })
</script></body></html>`

/** The stand-in phone: the simulator's newest code is what the camera saw; then login, scan and a decision. */
async function phone(options: QrDemoOptions, body: Record<string, string>) {
  const post = (url: string, data?: unknown, token?: string) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: data === undefined ? undefined : JSON.stringify(data),
    })
  const drawn = (await (
    await fetch(`${options.simUrl}/__sim/wxa-codes?appId=${options.appId}`)
  ).json()) as {
    codes: { scene: string }[]
  }
  const scene = drawn.codes.at(-1)?.scene
  if (!scene) return 'no code drawn yet'
  const minted = await post(`${options.simUrl}/__sim/login-codes`, {
    appId: options.appId,
    user: body.user,
  })
  const { code } = (await minted.json()) as { code: string }
  const endpoint = options.endpoint || body.endpoint
  const login = await post(`${endpoint}/v1/connections/${body.connection}/login`, { code })
  const { accessToken } = (await login.json()) as { accessToken: string }
  await post(`${endpoint}/v1/qr-logins/${scene}/scan`, undefined, accessToken)
  const step = body.action === 'cancel' ? 'cancel' : 'confirm'
  return String(
    (await post(`${endpoint}/v1/qr-logins/${scene}/${step}`, undefined, accessToken)).status,
  )
}

export async function startQrDemo(options: QrDemoOptions = {}) {
  const widget = await widgetBundle()
  const app = new Hono()
    .get('/', (c) => c.html(page(options.endpoint ?? '', options.connection ?? '')))
    .get('/widget.js', (c) => c.body(widget, 200, { 'content-type': 'text/javascript' }))
    .post('/phone', async (c) => c.text(await phone(options, await c.req.json())))
  const host = options.host ?? '127.0.0.1'
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      }),
  }
}
