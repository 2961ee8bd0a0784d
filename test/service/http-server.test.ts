// Slow and numerous clients: a client that sends its headers or its body byte by byte (slowloris) is answered
// 408 and cut off within the configured bound, and connections past the cap are refused without stopping
// the service. These bounds are node's own timers, so the test runs on real time, with slack for a busy machine.
import { once } from 'node:events'
import { get } from 'node:http'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/test-app'

const HEADERS_TIMEOUT_MS = 1000
const REQUEST_TIMEOUT_MS = 2000
/** node checks the timeouts every quarter of the headers timeout (server.ts); the rest is a busy machine's. */
const SLACK_MS = HEADERS_TIMEOUT_MS / 4 + 1500

let t: TestApp
let port: number
beforeAll(async () => {
  t = await createTestApp({
    env: {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_MAX_CONNECTIONS: '3',
    },
  })
  port = Number(new URL(t.url).port)
})
afterAll(() => t.close())

interface Slow {
  socket: Socket
  /** Resolves when the server closes the connection: what it answered, and after how many ms. */
  cut: Promise<{ answer: string; ms: number }>
  stop(): void
}

/** A client that sends `head` and then one byte of `drip` every 100 ms, never finishing its request. */
async function slowClient(head: string, drip = 'X'): Promise<Slow> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const started = performance.now()
  const received: Buffer[] = []
  socket.on('data', (d: Buffer) => received.push(d))
  socket.on('error', () => {}) // a reset is one way of being cut off
  socket.write(head)
  const timer = setInterval(() => socket.writable && socket.write(drip), 100)
  const cut = once(socket, 'close').then(() => {
    clearInterval(timer)
    return { answer: Buffer.concat(received).toString(), ms: performance.now() - started }
  })
  return {
    socket,
    cut,
    stop() {
      clearInterval(timer)
      socket.destroy()
    },
  }
}

async function cutWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  return Promise.race([promise, sleep(ms).then(() => 'still open' as const)])
}

function healthz(): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${t.url}/healthz`, { agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    }).on('error', reject)
  })
}

describe('slow clients', () => {
  it('answers 408 and closes a connection whose headers arrive byte by byte', async () => {
    const slow = await slowClient('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ')
    const result = await cutWithin(slow.cut, HEADERS_TIMEOUT_MS + SLACK_MS)
    slow.stop()
    expect(result).not.toBe('still open')
    const { answer, ms } = result as { answer: string; ms: number }
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100)
  })

  it('answers 408 and closes a connection whose body arrives byte by byte', async () => {
    const slow = await slowClient(
      'POST /v1/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\n\r\n{"refreshToken": "',
      'a',
    )
    const result = await cutWithin(slow.cut, REQUEST_TIMEOUT_MS + SLACK_MS)
    slow.stop()
    expect(result).not.toBe('still open')
    const { answer, ms } = result as { answer: string; ms: number }
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100)
  })

  it('keeps idle connections longer than the load balancer does (ALB: 60 s)', async () => {
    const keepAlive = await new Promise<string | string[] | undefined>((resolve, reject) => {
      get(`${t.url}/healthz`, { agent: false, headers: { connection: 'keep-alive' } }, (res) => {
        res.resume()
        res.socket.destroy()
        resolve(res.headers['keep-alive'])
      }).on('error', reject)
    })
    expect(keepAlive).toBe('timeout=65')
  })
})

describe('the connection cap', () => {
  it('refuses connections past the cap, and serves again once the slow clients are cut off', async () => {
    const held: Slow[] = []
    for (let i = 0; i < 3; i++) held.push(await slowClient('GET /healthz HTTP/1.1\r\nX-Slow: '))
    const past = connect(port, '127.0.0.1')
    past.on('error', () => {})
    const data: Buffer[] = []
    past.on('data', (d: Buffer) => data.push(d))
    past.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')
    expect(await cutWithin(once(past, 'close'), 2000)).not.toBe('still open')
    expect(Buffer.concat(data).toString()).toBe('') // closed unanswered
    // The held connections are the slow clients the headers timeout ends; then a normal request succeeds.
    for (const slow of held)
      expect(await cutWithin(slow.cut, HEADERS_TIMEOUT_MS + SLACK_MS)).not.toBe('still open')
    let status: number | undefined
    for (let attempt = 0; attempt < 20 && status === undefined; attempt++) {
      // The server counts a closed connection out a moment after the client sees it close.
      status = await healthz().catch(() => sleep(50).then(() => undefined))
    }
    expect(status).toBe(200)
  })
})
