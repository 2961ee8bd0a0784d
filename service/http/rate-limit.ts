// Per-instance rate limits on the routes that cost a WeChat call (login, phone): a token bucket per client
// IP and one per connection, refilled continuously, kept in memory with a bounded number of keys.
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Config } from '../config'
import { AppError } from '../errors'
import { clientIp, type AppEnv } from './context'

/** Buckets kept per limiter: past this the least recently used is forgotten, i.e. starts full again. */
export const MAX_KEYS = 50_000

/** Integer arithmetic: a token is 60,000 units and a bucket gains `perMinute` units per millisecond. */
const UNIT = 60_000

export interface TokenBuckets {
  /** Whole seconds until `key` has a token (0: it has one now). Takes nothing. */
  wait(key: string, nowMs: number): number
  take(key: string, nowMs: number): void
  readonly size: number
}

export function tokenBuckets(perMinute: number, maxKeys = MAX_KEYS): TokenBuckets {
  const capacity = perMinute * UNIT
  // Insertion order is recency order: take() re-inserts, so the first key is the least recently used.
  const buckets = new Map<string, { units: number; at: number }>()

  function level(key: string, nowMs: number): number {
    const b = buckets.get(key)
    if (!b) return capacity
    return Math.min(capacity, b.units + Math.max(0, nowMs - b.at) * perMinute)
  }

  return {
    wait(key, nowMs) {
      const missing = UNIT - level(key, nowMs)
      return missing <= 0 ? 0 : Math.max(1, Math.ceil(missing / perMinute / 1000))
    },
    take(key, nowMs) {
      const units = level(key, nowMs) - UNIT
      buckets.delete(key)
      buckets.set(key, { units, at: nowMs })
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!)
    },
    get size() {
      return buckets.size
    },
  }
}

/**
 * The configured connection a request spends: the `:connection` parameter on the native routes; on the
 * Authing routes the one whose authingAppId is `x-authing-app-id`, else the only one. Unknown names are not
 * counted per connection (they fail anyway), so a caller cannot grow the map with made-up names.
 */
function connectionOf(c: Context, config: Config): string | undefined {
  const param = c.req.param('connection') as string | undefined
  if (param !== undefined) return config.connections.find((x) => x.id === param)?.id
  const authingAppId = c.req.header('x-authing-app-id')
  const byAuthing = authingAppId && config.connections.find((x) => x.authingAppId === authingAppId)
  if (byAuthing) return byAuthing.id
  return config.connections.length === 1 ? config.connections[0]!.id : undefined
}

/** One limiter for the app; mount the same instance on every path it guards, so they share the buckets. */
export function rateLimit(config: Config, now: () => Date) {
  const { rateLimitIpPerMinute: ipLimit, rateLimitConnectionPerMinute: connectionLimit } = config
  const perIp = ipLimit > 0 ? tokenBuckets(ipLimit) : undefined
  const perConnection = connectionLimit > 0 ? tokenBuckets(connectionLimit) : undefined

  return createMiddleware<AppEnv>(async (c, next) => {
    const nowMs = now().getTime()
    const ip = clientIp(c) ?? 'unknown'
    const connection = connectionOf(c, config)
    const ipWait = perIp?.wait(ip, nowMs) ?? 0
    const connectionWait = (connection && perConnection?.wait(connection, nowMs)) || 0
    // Nothing is taken from either bucket for a refused call: waiting out Retry-After is enough.
    if (ipWait > 0 || connectionWait > 0) {
      const message =
        ipWait >= connectionWait
          ? 'Too many login requests from this address; try again later.'
          : 'Too many login requests for this connection; try again later.'
      throw new AppError('rate_limited', message, {
        retryAfter: Math.max(ipWait, connectionWait),
      })
    }
    perIp?.take(ip, nowMs)
    if (connection) perConnection?.take(connection, nowMs)
    await next()
  })
}
