// Serves the app over HTTP and shuts down gracefully: stop accepting, report not-ready, let in-flight
// requests finish, then close the WeChat pool and the database.
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { createApp, type AppOptions } from './app'
import type { Service } from './bootstrap'
import type { Lifecycle } from './routes/health'
import { listenError } from './startup-error'

export interface RunningServer {
  url: string
  port: number
  /** Graceful: waits for in-flight requests (at most `graceMs`), then closes the service. */
  close(graceMs?: number): Promise<void>
}

export async function startServer(
  service: Service,
  port: number,
  host = '0.0.0.0',
  options: AppOptions = {},
): Promise<RunningServer> {
  const lifecycle: Lifecycle = { draining: false }
  const app = createApp(service.deps, lifecycle, options)
  const limits = service.deps.config.http
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port,
        hostname: host,
        serverOptions: {
          // A slow client (slowloris) is answered 408 and cut off once its headers or its whole request
          // take longer than this; node checks every connectionsCheckingInterval (default 30 s: too coarse).
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 4),
          keepAliveTimeout: limits.keepAliveTimeoutMs,
        },
      },
      () => resolve(s),
    )
    // Past the cap node closes new connections at once: memory stays bounded and the held ones are served.
    s.maxConnections = limits.maxConnections
    s.once('error', (err) => reject(listenError(err, 'The service', host, port)))
  })
  const actual = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`,
    port: actual,
    close(graceMs = 25_000) {
      closing ??= (async () => {
        lifecycle.draining = true
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
            resolve()
          }, graceMs)
          server.close(() => {
            clearTimeout(timer)
            resolve()
          })
          ;(server as { closeIdleConnections?: () => void }).closeIdleConnections?.()
        })
        await service.close()
      })()
      return closing
    },
  }
}
