// The Hono environment shared by every route: the request id and, behind the bearer middleware, who is calling.
import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'
import { isIP } from 'node:net'
import { createMiddleware } from 'hono/factory'
import type { ClientAddressSource } from '../config'
import type { Auth } from '../tokens/authenticate'
import type { Failure } from './errors'

export type { Auth }

export interface AppEnv {
  Variables: {
    requestId: string
    auth: Auth
    /** Set by clientAddress() for the whole request. */
    clientIp: string | undefined
    /** Set by a rate limiter; readJson() calls it once the body is well formed (http/rate-limit.ts). */
    chargeRateLimit: () => void
    /** Set by resolveError() when the request failed, for the access log's line. */
    failure: Failure
  }
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address
  } catch {
    return undefined
  }
}

/** CloudFront-Viewer-Address is "ip:port" (IPv6 unbracketed, as CloudFront sends it; brackets tolerated). */
function viewerAddress(c: Context): string | undefined {
  const viewer = c.req.header('cloudfront-viewer-address')
  if (!viewer) return undefined
  const ip = viewer.slice(0, viewer.lastIndexOf(':')).replace(/^\[|\]$/g, '')
  return isIP(ip) ? ip : undefined
}

/**
 * The X-Forwarded-For entry `hops` places from the right: each proxy appends the address that called it, so
 * the rightmost entries are written by the load balancers the deployment runs and the rest by the caller.
 * Repeated headers arrive joined with ", ", which keeps that order.
 */
function forwardedAddress(c: Context, hops: number): string | undefined {
  const entries = (c.req.header('x-forwarded-for') ?? '').split(',').map((e) => e.trim())
  const ip = entries.length >= hops ? entries[entries.length - hops] : undefined
  return ip && isIP(ip) ? ip : undefined
}

/**
 * Resolves the caller's address once per request. A header is believed only when the deployment says the
 * service is reachable solely through the proxy that sets it: a direct caller can forge any header.
 */
export const clientAddress = (source: ClientAddressSource) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const forwarded =
      source.header === 'cloudfront-viewer-address'
        ? viewerAddress(c)
        : source.header === 'x-forwarded-for'
          ? forwardedAddress(c, source.hops)
          : undefined
    c.set('clientIp', forwarded || socketAddress(c))
    await next()
  })

/** The caller's address as clientAddress() resolved it; the socket's when that middleware is absent. */
export function clientIp(c: Context): string | undefined {
  return (c.get('clientIp') as string | undefined) ?? socketAddress(c)
}

export const sessionContext = (c: Context) => ({
  ip: clientIp(c),
  userAgent: c.req.header('user-agent'),
})
