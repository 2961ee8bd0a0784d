// Which connection an Authing SDK call logs in to: the one whose `authingAppId` is the SDK's `appId`
// (sent as `x-authing-app-id`), else the only configured one. Several and no match is a setup mistake.
import type { Config, Connection } from '../config'
import { AppError } from '../errors'

export function authingConnection(config: Config, authingAppId: string | undefined): Connection {
  const matched = authingAppId
    ? config.connections.find((c) => c.authingAppId === authingAppId)
    : undefined
  if (matched) return matched
  if (config.connections.length === 1) return config.connections[0]!
  if (config.connections.length === 0)
    throw new AppError('connection_not_found', 'No WeChat Mini Program connection is configured.')
  const sent = authingAppId ? `appId "${authingAppId.slice(0, 40)}"` : 'no appId'
  throw new AppError(
    'connection_not_found',
    `Several connections are configured and the SDK sent ${sent}: set "authingAppId" on the ` +
      'connection this Mini Program uses, and pass the same appId to AuthenticationClient.',
  )
}
