// startSimulator(): serves the simulator over real HTTP (port 0 picks a free one) for tests, `npm start` and benchmarks.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { createSimulator, type SimulatorOptions } from './app'
import type { SimState } from './state'

export interface StartedSimulator {
  /** e.g. `http://127.0.0.1:41234`, to use as the WeChat API base URL. */
  url: string
  state: SimState
  close(): Promise<void>
}

export async function startSimulator(
  options: SimulatorOptions & { port?: number; host?: string } = {},
): Promise<StartedSimulator> {
  const sim = createSimulator(options)
  const host = options.host ?? '127.0.0.1'
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: sim.app.fetch, port: options.port ?? 0, hostname: host }, () =>
      resolve(s as Server),
    )
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  return {
    url,
    state: sim.state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        sim.close()
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections() // keep-alive sockets would otherwise hold close() open
      }),
  }
}
