// The Hono environment shared by every route: the request id and, behind the bearer middleware, who is calling.
import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'
import { isIP } from 'node:net'
import { createMiddleware } from 'hono/factory'

export interface Auth {
  userId: string
  sessionId: string
  connection: string
}

export interface AppEnv {
  Variables: {
    requestId: string
    auth: Auth
    /** Set by clientAddress() for the whole request. */
    clientIp: string | undefined
    /** Set by a rate limiter; readJson() calls it once the body is well formed (http/rate-limit.ts). */
    chargeRateLimit: () => void
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
 * Resolves the caller's address once per request. CloudFront's viewer address is trusted only when the
 * deployment says the service is reachable solely through CloudFront: a direct caller can forge the header.
 */
export const clientAddress = (trustCloudFrontViewerAddress: boolean) =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('clientIp', (trustCloudFrontViewerAddress && viewerAddress(c)) || socketAddress(c))
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
