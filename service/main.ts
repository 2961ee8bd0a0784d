// `npm run serve`: the service alone, configured only by environment variables (what the container runs).
import { bootstrap } from './bootstrap'
import { ConfigError, loadConfig } from './config'
import { createLogger } from './log'
import { startServer } from './server'
import { StartupError } from './startup-error'

// Configuration errors are logged at the default level: the configured one is not known yet.
let logger = createLogger()
try {
  const config = loadConfig(process.env)
  logger = createLogger(config.logLevel)
  // Without a Mini Program every login would answer connection_not_found, yet /readyz would say ready.
  if (config.connections.length === 0)
    throw new ConfigError([
      'WECHAT_CONNECTIONS or WECHAT_APP_ID and WECHAT_APP_SECRET must configure at least one Mini Program connection: the service has nothing to log in to without one',
    ])
  const service = await bootstrap(config, { logger })
  const server = await startServer(service, config.port)
  logger.info(
    {
      url: server.url,
      publicUrl: config.publicUrl,
      connections: config.connections.map((c) => c.id),
    },
    'listening',
  )
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down: finishing in-flight requests')
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed')
          process.exit(1)
        },
      )
    })
  }
} catch (err) {
  if (err instanceof ConfigError || err instanceof StartupError) {
    process.stderr.write(`${err.message}\n`)
  } else {
    logger.fatal({ err }, 'could not start')
  }
  process.exit(1)
}
