// The Hono environment shared by every route: the request id and, behind the bearer middleware, who is calling.
import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'

export interface Auth {
  userId: string
  sessionId: string
  connection: string
}

export interface AppEnv {
  Variables: {
    requestId: string
    auth: Auth
  }
}

/** The caller's address: CloudFront's viewer address behind the stack's edge, else the socket's. */
export function clientIp(c: Context): string | undefined {
  const viewer = c.req.header('cloudfront-viewer-address')
  if (viewer) return viewer.slice(0, viewer.lastIndexOf(':')).replace(/^\[|\]$/g, '') || undefined
  try {
    return getConnInfo(c).remote.address
  } catch {
    return undefined
  }
}

export const sessionContext = (c: Context) => ({
  ip: clientIp(c),
  userAgent: c.req.header('user-agent'),
})
