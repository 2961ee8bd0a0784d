// `npm start`: the service on PGlite (data under .data/) together with the WeChat simulator. Needs no
// credentials and no network: log in, bind a phone and call the API without a WeChat account.
import { defaultSimApps } from '../simulator/app'
import { startSimulator } from '../simulator/server'
import { bootstrap } from './bootstrap'
import { ConfigError, loadConfig } from './config'
import { createLogger } from './log'
import { startQrDemo } from './qr-demo'
import { startServer } from './server'

const env = { ...process.env }
delete env.DATABASE_URL // the embedded default, always: `npm run serve` is for a PostgreSQL server
delete env.DB_HOST
const port = Number(env.PORT || 3000)
const devApp = defaultSimApps[0]!
const logger = createLogger(env.LOG_LEVEL || 'info')

try {
  const sim = await startSimulator({ apps: defaultSimApps, port: port + 1 })
  const demoOrigin = `http://localhost:${port + 2}`
  // The development connection also logs in on the web by QR (the playground's origin); the develop
  // version's codes need no published page.
  const devConnection = {
    id: 'wechat-miniprogram',
    appId: devApp.appId,
    appSecret: devApp.secret,
    qrLoginPage: 'pages/qr-login/index',
    qrLoginEnvVersion: 'develop',
    webOrigins: [demoOrigin, `http://127.0.0.1:${port + 2}`],
  }
  const config = loadConfig({
    ...env,
    PORT: String(port),
    WECHAT_API_BASE_URL: sim.url,
    ...(env.WECHAT_CONNECTIONS || env.WECHAT_APP_ID
      ? {}
      : { WECHAT_CONNECTIONS: JSON.stringify([devConnection]) }),
  })
  const service = await bootstrap(config, { logger })
  const server = await startServer(service, config.port, '127.0.0.1')
  const connection = config.connections[0]!
  const api = `http://localhost:${server.port}`
  const demo = await startQrDemo({
    port: port + 2,
    host: '127.0.0.1',
    endpoint: api,
    connection: connection.id,
    simUrl: sim.url,
    appId: connection.appId,
  })
  process.stdout.write(`
wechat-login-stack (development): ${api}
  database: PGlite under ${config.dataDir}/pglite     WeChat: simulator at ${sim.url}

Log in as a test user "alice" of the Mini Program ${connection.appId}:
  code=$(curl -s -X POST ${sim.url}/__sim/login-codes -H 'content-type: application/json' \\
           -d '{"appId":"${connection.appId}","user":"alice"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).code')
  curl -s -X POST ${api}/v1/connections/${connection.id}/login -H 'content-type: application/json' -d "{\\"code\\":\\"$code\\"}"

A phone code for getPhoneNumber: POST ${sim.url}/__sim/phone-codes {"appId":"${connection.appId}","phoneNumber":"13800138000"}
Public keys: ${api}/.well-known/jwks.json
QR login on the web (scan with the simulated Mini Program): ${demoOrigin}

`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.all([server.close(5000), sim.close(), demo.close()]).then(() => process.exit(0))
    })
  }
} catch (err) {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`)
  else logger.fatal({ err }, 'could not start')
  process.exit(1)
}
