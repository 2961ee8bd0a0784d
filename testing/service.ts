// startTestService(): the real auth service in this process, on an in-memory PGlite, pointed at a WeChat
// (the simulator, usually). For tests of a Mini Program or a backend that need a login service to talk to.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { bootstrap } from '../service/bootstrap'
import { loadConfig } from '../service/config'
import { openDatabase } from '../service/db/client'
import { createLogger } from '../service/log'
import { startServer } from '../service/server'

export interface TestServiceOptions {
  /** Where WeChat's server API is: the simulator's `url`. */
  wechatApiBaseUrl: string
  /** Mini Program connections, as in WECHAT_CONNECTIONS. */
  connections: { id: string; appId: string; appSecret: string; loginOnly?: boolean }[]
  /** Any other variable of docs/configuration.md, e.g. `{ ACCESS_TOKEN_TTL: '60' }`. */
  env?: Record<string, string>
}

export interface TestService {
  /** `http://127.0.0.1:<port>`: the endpoint, and the issuer (`iss`) of its tokens. */
  url: string
  close(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
    s.once('error', reject)
  })
}

export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: url,
    WECHAT_API_BASE_URL: options.wechatApiBaseUrl,
    WECHAT_CONNECTIONS: JSON.stringify(options.connections),
    MASTER_KEY: randomBytes(32).toString('base64'),
    // Tests log in from one address many times a minute.
    RATE_LIMIT_IP_PER_MINUTE: '0',
    ...options.env,
  })
  const database = await openDatabase({})
  const service = await bootstrap(config, { logger: createLogger('silent'), database })
  const server = await startServer(service, port, '127.0.0.1')
  return { url, close: () => server.close(2000) }
}
