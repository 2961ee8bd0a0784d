// The playground of `npm start` at `/` (development only: it bundles the SDK with esbuild at start, and
// production never imports this file): a simulated Mini Program phone running the project's own SDK over a
// wx shim, beside what the server answered. It reaches the WeChat simulator's control API through a narrow
// same-origin proxy (mint codes, inject faults), since the simulator has an origin of its own.
import { build } from 'esbuild'
import { Hono } from 'hono'
import { fileURLToPath } from 'node:url'
import { playgroundCss } from './styles'
import type { Config } from '../config'
import { playgroundPage } from './page'

export interface PlaygroundOptions {
  /** The WeChat simulator's base URL. */
  simUrl: string
  /** The connections the phone can play, and the WeChat deadline the "slow" fault outlasts. */
  config: Pick<Config, 'connections' | 'wechatTimeoutMs'>
  /** The QR login demo, when it runs. */
  qrDemoUrl?: string
}

/** The project's SDK and the wx shim, bundled for the browser once per start. */
export async function playgroundBundle(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./browser.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'warning',
  })
  return out.outputFiles[0]!.text
}

/** The simulator control paths the page may use; nothing else passes the proxy. */
const simPaths = new Set(['login-codes', 'phone-codes', 'faults'])

export async function playgroundRoutes(options: PlaygroundOptions) {
  const script = await playgroundBundle()
  const csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
  return new Hono()
    .use('/', async (c, next) => {
      await next()
      c.header('Content-Security-Policy', csp)
    })
    .get('/', (c) =>
      c.html(
        playgroundPage({
          apps: options.config.connections.map((x) => ({
            connection: x.id,
            appId: x.appId,
            name: x.displayName,
          })),
          wechatTimeoutMs: options.config.wechatTimeoutMs,
          qrDemoUrl: options.qrDemoUrl,
        }),
      ),
    )
    .get('/playground/app.js', (c) =>
      c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
    )
    .get('/playground/app.css', (c) =>
      c.body(playgroundCss, 200, { 'content-type': 'text/css; charset=utf-8' }),
    )
    .on(['POST', 'DELETE'], '/playground/__sim/:path', async (c) => {
      const path = c.req.param('path')
      if (!simPaths.has(path)) return c.json({ error: 'not a playground control path' }, 404)
      const res = await fetch(`${options.simUrl}/__sim/${path}`, {
        method: c.req.method,
        headers: { 'content-type': 'application/json' },
        body: c.req.method === 'POST' ? await c.req.text() : undefined,
      })
      return c.body(await res.text(), res.status as 200, {
        'content-type': res.headers.get('content-type') ?? 'application/json',
      })
    })
}
