// Builds the service's dependencies from a Config: opens and migrates the database, loads the signing key,
// creates the WeChat client. main.ts, dev.ts and the tests all start here.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Config } from './config'
import { createSealer } from './crypto/seal'
import { randomId } from './crypto/random'
import { openDatabase, type Database } from './db/client'
import { migrate, readMigrationTags } from './db/migrate'
import { explainTlsFailure } from './db/tls'
import type { Deps } from './deps'
import type { Logger } from './log'
import { startPruning } from './maintenance'
import { createAccessTokens } from './tokens/access-token'
import { createSessionCache, SESSION_CHANNEL } from './tokens/session-cache'
import { createKeyStore } from './tokens/signing-keys'
import { createWeChatAccessTokens } from './wechat/access-tokens'
import { createWeChatClient } from './wechat/client'
import { createRecentWeChatErrors, recordingErrors } from './wechat/recent-errors'
import { syncWebhookEndpoints } from './webhooks/endpoints'
import { startWebhookWorker } from './webhooks/worker'

export interface Service {
  deps: Deps
  database: Database
  /** Migrations this start applied (empty when they were already there). */
  applied: string[]
  close(): Promise<void>
}

export interface BootstrapOptions {
  logger: Logger
  now?: () => Date
  /** An already opened database (tests); otherwise opened from the config. */
  database?: Database
}

/** Development only: a MASTER_KEY generated once and kept in DATA_DIR, with a loud warning. */
async function devMasterKey(dataDir: string, logger: Logger): Promise<Buffer> {
  const file = join(dataDir, 'master.key')
  const existing = await readFile(file, 'utf8').catch(() => undefined)
  logger.warn(
    { file },
    'MASTER_KEY is not set: using a development key kept in DATA_DIR. Never run production like this.',
  )
  if (existing) return Buffer.from(existing.trim(), 'base64')
  const key = randomBytes(32)
  await mkdir(dataDir, { recursive: true })
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600 })
  return key
}

export async function bootstrap(config: Config, options: BootstrapOptions): Promise<Service> {
  const { logger } = options
  const now = options.now ?? (() => new Date())
  const masterKey = config.masterKey ?? (await devMasterKey(config.dataDir, logger))
  if (!config.databaseUrl && !options.database) await mkdir(config.dataDir, { recursive: true })
  const database =
    options.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pglite'),
      caFile: config.databaseCaFile,
      connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
    }))
  // The first statement opens the first connection: a refused certificate surfaces here.
  const applied = await migrate(database.db).catch((err: unknown) => {
    throw explainTlsFailure(err, config.databaseCaFile)
  })
  logger.info(
    { applied, database: database.kind },
    applied.length ? 'applied migrations' : 'migrations up to date',
  )
  const sealer = createSealer(masterKey)
  const keys = createKeyStore({
    db: database.db,
    sealer,
    now,
    randomId,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
  })
  await keys.current()
  const wechatErrors = createRecentWeChatErrors()
  const wechat = recordingErrors(
    createWeChatClient({
      baseUrl: config.wechatApiBaseUrl,
      timeoutMs: config.wechatTimeoutMs,
      logger,
    }),
    wechatErrors,
    now,
  )
  const sessionCache = createSessionCache(
    (onMessage, events) => database.listen(SESSION_CHANNEL, onMessage, events),
    {
      maxEntries: config.sessionCacheSize,
      ttlMs: config.sessionCacheTtlSeconds * 1000,
    },
  )
  const deps: Deps = {
    config,
    db: database.db,
    dbKind: database.kind,
    wechat,
    wechatErrors,
    wechatTokens: createWeChatAccessTokens({ db: database.db, sealer, wechat, now, logger }),
    sealer,
    keys,
    accessTokens: createAccessTokens({
      keys,
      issuer: config.publicUrl,
      audiences: config.connections.map((c) => c.appId),
      ttlSeconds: config.accessTokenTtlSeconds,
      now,
      cacheSize: config.sessionCacheSize,
    }),
    sessionCache,
    logger,
    now,
    randomId,
    migrationTags: await readMigrationTags(),
  }
  await syncWebhookEndpoints(database.db, config.webhooks)
  const webhooks = config.webhooks.length ? startWebhookWorker(deps) : undefined
  const pruning = startPruning(deps)
  return {
    deps,
    database,
    applied,
    async close() {
      await webhooks?.stop()
      await pruning.stop()
      await wechat.close()
      await sessionCache.close()
      await database.close()
    },
  }
}
