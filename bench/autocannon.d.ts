// The slice of autocannon 8's programmatic API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }

  export interface RequestSpec extends Request {
    /** Called before each request; returns the request to send. */
    setupRequest?: (req: Request, context: Record<string, unknown>) => Request
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void
  }

  export interface Options {
    url: string
    connections?: number
    duration?: number
    /** ms between samples; the run stops at the first one after `duration`. */
    sampleInt?: number
    timeout?: number
    headers?: Record<string, string>
    requests?: RequestSpec[]
  }

  export interface Result {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    statusCodeStats: Record<string, { count: number }>
    latency: { p50: number; p99: number }
    requests: { total: number; sent: number }
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop?: () => void
  }

  function autocannon(options: Options): Instance
  export default autocannon
}
