// What routes and domain functions need, built once by createDeps() (or a test) and passed down: no
// module singletons, an injectable clock and id generator.
import type { Config, Connection } from './config'
import type { Sealer } from './crypto/seal'
import type { Db } from './db/client'
import { AppError } from './errors'
import type { Logger } from './log'
import type { AccessTokens } from './tokens/access-token'
import type { SessionCache } from './tokens/session-cache'
import type { KeyStore } from './tokens/signing-keys'
import type { WeChatAccessTokens } from './wechat/access-tokens'
import type { WeChatClient } from './wechat/client'
import type { RecentWeChatErrors } from './wechat/recent-errors'

export interface Deps {
  config: Config
  db: Db
  dbKind: 'postgres' | 'pglite'
  wechat: WeChatClient
  /** This instance's last WeChat errors, for the admin console. */
  wechatErrors: RecentWeChatErrors
  /** WeChat access tokens per appid, shared by every instance through the database. */
  wechatTokens: WeChatAccessTokens
  sealer: Sealer
  keys: KeyStore
  accessTokens: AccessTokens
  /** The live sessions and profiles this instance has read, invalidated through the database. */
  sessionCache: SessionCache
  logger: Logger
  now: () => Date
  randomId: () => string
  /** The migrations this build ships; /readyz checks they are all applied. */
  migrationTags: string[]
}

export function findConnection(config: Config, id: string): Connection {
  const connection = config.connections.find((c) => c.id === id)
  if (!connection)
    throw new AppError('connection_not_found', `There is no connection "${id.slice(0, 40)}".`)
  return connection
}
