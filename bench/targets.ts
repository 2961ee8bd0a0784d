// What the benchmark's processes share: the Mini Program they log in to, and the service's environment.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** The benchmark's main Mini Program. Its Open Platform account makes WeChat send a unionid. */
export const benchApp = {
  id: 'bench',
  appId: 'wx00000000000be0c1',
  appSecret: 'b'.repeat(32),
  openPlatform: 'bench-open-platform',
}
/** A second one outside any Open Platform account: no unionid, so a new user needs no cross-app lookup. */
export const soloApp = { id: 'solo', appId: 'wx00000000000be0c2', appSecret: 's'.repeat(32) }

export const loginPath = (app: { id: string } = benchApp) => `/v1/connections/${app.id}/login`

export const simApps = () =>
  JSON.stringify([
    { appId: benchApp.appId, secret: benchApp.appSecret, openPlatform: benchApp.openPlatform },
    { appId: soloApp.appId, secret: soloApp.appSecret },
  ])

/** The service as `npm run serve` runs it in production, pointed at the simulator. */
/** The NODE_OPTIONS the container image runs the service with (service/Dockerfile), so the bench runs it alike. */
export function productionNodeOptions(): string {
  const dockerfile = readFileSync(new URL('../service/Dockerfile', import.meta.url), 'utf8')
  const found = /NODE_OPTIONS=(\S+)/.exec(dockerfile)
  if (!found) throw new Error('service/Dockerfile sets no NODE_OPTIONS')
  return found[1]!
}

export function serviceEnv(o: {
  port: number
  simUrl: string
  /** DATABASE_URL or DATA_DIR. */
  database: Record<string, string>
  publicUrl?: string
  masterKey?: string
}): Record<string, string> {
  return {
    ...o.database,
    PORT: String(o.port),
    PUBLIC_URL: o.publicUrl ?? `http://127.0.0.1:${o.port}`,
    WECHAT_API_BASE_URL: o.simUrl,
    WECHAT_CONNECTIONS: JSON.stringify(
      [benchApp, soloApp].map(({ id, appId, appSecret }) => ({ id, appId, appSecret })),
    ),
    MASTER_KEY: o.masterKey ?? randomBytes(32).toString('base64'),
    NODE_ENV: 'production',
    NODE_OPTIONS: productionNodeOptions(),
    LOG_LEVEL: 'info',
    // One load generator is one client IP: the per-instance limits would refuse nearly all of it.
    RATE_LIMIT_IP_PER_MINUTE: '0',
    RATE_LIMIT_CONNECTION_PER_MINUTE: '0',
    RATE_LIMIT_REFRESH_IP_PER_MINUTE: '0',
    RATE_LIMIT_GRAPHQL_IP_PER_MINUTE: '0',
  }
}
