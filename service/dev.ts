// `npm start`: the service on PGlite (data under .data/). With no WeChat credentials it runs the WeChat
// simulator beside it and needs no account and no network; with WECHAT_APP_ID/WECHAT_APP_SECRET (or
// WECHAT_CONNECTIONS) it talks to real WeChat, or to WECHAT_API_BASE_URL, as production does.
import { networkInterfaces } from 'node:os'
import { defaultSimApps } from '../simulator/app'
import { startSimulator, type StartedSimulator } from '../simulator/server'
import { bootstrap } from './bootstrap'
import { playgroundRoutes } from './playground/routes'
import { startQrDemo } from './qr-demo'
import { ConfigError, loadConfig } from './config'
import { defaults } from './config-defaults'
import { createLogger } from './log'
import { startServer } from './server'
import { listenError, StartupError } from './startup-error'

const env = { ...process.env }
delete env.DATABASE_URL // the embedded default, always: `npm run serve` is for a PostgreSQL server
delete env.DB_HOST
const port = Number(env.PORT || defaults.PORT)
// Loopback unless asked: HOST=0.0.0.0 lets a phone's preview or another machine's DevTools reach it.
const host = env.HOST || '127.0.0.1'
const devApp = defaultSimApps[0]!
/** A second Mini Program of the same developer account (same open platform): the playground shows unionid linking. */
const secondApp = {
  appId: 'wx0000000000000002',
  secret: '00000000000000000000000000000002',
  openPlatform: devApp.openPlatform,
}
const logger = createLogger(env.LOG_LEVEL || defaults.LOG_LEVEL)
const ownCredentials = !!(env.WECHAT_CONNECTIONS || env.WECHAT_APP_ID || env.WECHAT_APP_SECRET)

/** Addresses to paste into DevTools: the LAN's IPv4 addresses when listening on all interfaces. */
function addresses(actualPort: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [`http://${host}:${actualPort}`]
  const lan = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => `http://${a!.address}:${actualPort}`)
  return [`http://127.0.0.1:${actualPort}`, ...lan]
}

async function simulatorFor(): Promise<StartedSimulator | undefined> {
  if (ownCredentials || env.WECHAT_API_BASE_URL) return undefined
  const simPort = port ? port + 1 : 0
  return startSimulator({ apps: [...defaultSimApps, secondApp], port: simPort }).catch(
    (err: unknown) => {
      throw listenError(err, 'The WeChat simulator', '127.0.0.1', simPort)
    },
  )
}

/**
 * With the simulator, the development connection also logs in on the web by QR, from the QR demo's
 * origin; the develop version's codes need no published page. The second connection is another Mini
 * Program of the same developer account.
 */
const devConnections = (demoPort: number) => [
  {
    id: 'wechat-miniprogram',
    appId: devApp.appId,
    appSecret: devApp.secret,
    qrLoginPage: 'pages/qr-login/index',
    qrLoginEnvVersion: 'develop',
    webOrigins: [`http://localhost:${demoPort}`, `http://127.0.0.1:${demoPort}`],
  },
  { id: 'second-miniprogram', appId: secondApp.appId, appSecret: secondApp.secret },
]

function banner(urls: string[], wechat: string, appId: string, connection: string, sim?: string) {
  const [api, ...lan] = urls
  const paste = lan.length
    ? `\nOn your network (paste one into DevTools as the endpoint; tick "Do not verify valid domain names"):\n${lan.map((u) => `  ${u}`).join('\n')}\n`
    : ''
  const login = sim
    ? `Log in as a test user "alice" of the Mini Program ${appId}:
  code=$(curl -s -X POST ${sim}/__sim/login-codes -H 'content-type: application/json' \\
           -d '{"appId":"${appId}","user":"alice"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).code')
  curl -s -X POST ${api}/v1/connections/${connection}/login -H 'content-type: application/json' -d "{\\"code\\":\\"$code\\"}"

A phone code for getPhoneNumber: POST ${sim}/__sim/phone-codes {"appId":"${appId}","phoneNumber":"13800138000"}`
    : `Log in from the Mini Program ${appId} in WeChat DevTools (endpoint ${api}, connection ${connection}),
or with a code from its wx.login (single use, five minutes):
  curl -s -X POST ${api}/v1/connections/${connection}/login -H 'content-type: application/json' -d '{"code":"<code from wx.login>"}'`
  return `
wechat-login-stack (development): ${api}
  database: PGlite under ${env.DATA_DIR || '.data'}/pglite     WeChat: ${wechat}
${paste}
${login}
Public keys: ${api}/.well-known/jwks.json

`
}

try {
  const sim = await simulatorFor()
  const config = loadConfig({
    ...env,
    PORT: String(port),
    ...(sim ? { WECHAT_API_BASE_URL: sim.url } : {}),
    ...(ownCredentials ? {} : { WECHAT_CONNECTIONS: JSON.stringify(devConnections(port + 2)) }),
  })
  const service = await bootstrap(config, { logger })
  // The QR login playground, on its own origin (the simulator stands in for the phone that scans); started
  // first, so the banner follows the service's start at once.
  const demo =
    sim && port
      ? await startQrDemo({
          port: port + 2,
          host: '127.0.0.1',
          endpoint: `http://localhost:${port}`,
          connection: config.connections[0]!.id,
          simUrl: sim.url,
          appId: config.connections[0]!.appId,
        })
      : undefined
  // The playground at / (development only: main.ts, which `npm run serve` and the image run, has none).
  const pages = sim
    ? await playgroundRoutes({
        simUrl: sim.url,
        config,
        qrDemoUrl: demo ? `http://localhost:${port + 2}` : undefined,
      })
    : undefined
  const server = await startServer(service, config.port, host, pages ? { pages } : {}).catch(
    async (err: unknown) => {
      await service.close()
      throw err
    },
  )
  const connection = config.connections[0]!
  const wechat = sim
    ? `simulator at ${sim.url}`
    : `${config.wechatApiBaseUrl}${config.wechatApiBaseUrl === 'https://api.weixin.qq.com' ? ' (real WeChat)' : ''}, AppID ${config.connections.map((c) => c.appId).join(', ')}`
  process.stdout.write(
    banner(addresses(server.port), wechat, connection.appId, connection.id, sim?.url) +
      (pages
        ? `Playground (a simulated Mini Program in your browser): ${addresses(server.port)[0]}/\n`
        : '') +
      (demo
        ? `QR login on the web (scan with the simulated Mini Program): http://localhost:${port + 2}\n\n`
        : ''),
  )
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.all([server.close(5000), sim?.close(), demo?.close()]).then(() =>
        process.exit(0),
      )
    })
  }
} catch (err) {
  if (err instanceof ConfigError || err instanceof StartupError)
    process.stderr.write(`${err.message}\n`)
  else logger.fatal({ err }, 'could not start')
  process.exit(1)
}
