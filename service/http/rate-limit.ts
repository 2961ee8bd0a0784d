// Per-instance rate limits: token buckets per client address (an IPv6 client by its /64) and, for the routes
// that cost a WeChat call, per connection; refilled continuously, kept in memory with a bounded number of keys.
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Config } from '../config'
import { AppError } from '../errors'
import { addressKey } from './address-key'
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

/** What one limiter counts; the same instance mounted on several paths shares its buckets among them. */
export interface Limit {
  /** Calls per client address per minute, in bursts of up to that many; 0: no limit. */
  ipPerMinute: number
  /** Calls per connection per minute; 0 or absent: no limit. */
  connectionPerMinute?: number
  /** What the calls are, in the 429's message: "login", "token refresh", "GraphQL". */
  what: string
}

/**
 * A rate limiter. A call is refused (429, nothing taken) when either bucket is empty, before its body is read;
 * otherwise it is charged only once readJson() has found its body well formed (through `chargeRateLimit`),
 * so junk is answered 400 without spending the shared per-connection bucket, or a neighbour's behind the
 * same address. Every route under a limiter must read its body with readJson().
 */
export function rateLimit(config: Config, limit: Limit, now: () => Date) {
  const perIp = limit.ipPerMinute > 0 ? tokenBuckets(limit.ipPerMinute) : undefined
  const perConnection = limit.connectionPerMinute
    ? tokenBuckets(limit.connectionPerMinute)
    : undefined

  function refuseIfEmpty(address: string, connection: string | undefined, nowMs: number) {
    const ipWait = perIp?.wait(address, nowMs) ?? 0
    const connectionWait = (connection && perConnection?.wait(connection, nowMs)) || 0
    if (ipWait === 0 && connectionWait === 0) return
    const message =
      ipWait >= connectionWait
        ? `Too many ${limit.what} requests from this address; try again later.`
        : `Too many ${limit.what} requests for this connection; try again later.`
    throw new AppError('rate_limited', message, { retryAfter: Math.max(ipWait, connectionWait) })
  }

  return createMiddleware<AppEnv>(async (c, next) => {
    const address = addressKey(clientIp(c))
    const connection = perConnection && connectionOf(c, config)
    refuseIfEmpty(address, connection, now().getTime())
    let charged = false
    c.set('chargeRateLimit', () => {
      if (charged) return
      charged = true
      // Checked again: other calls may have emptied a bucket while this one's body arrived.
      const nowMs = now().getTime()
      refuseIfEmpty(address, connection, nowMs)
      perIp?.take(address, nowMs)
      if (connection) perConnection?.take(connection, nowMs)
    })
    await next()
  })
}
