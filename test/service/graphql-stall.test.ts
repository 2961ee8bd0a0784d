// Hostile GraphQL load must not stall the instance: while several clients send documents of repeated fields
// (whose validation is quadratic in graphql-js), /healthz keeps answering fast. The per-IP limit is off here:
// the document limits alone must hold, since a botnet has many addresses. (That a document under the body
// limit but over the token limit is refused before validation: test/client/authing-sdk.test.ts.)
import { Agent, request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_GRAPHQL_IP_PER_MINUTE: '0' } })
})
afterAll(() => t.close())

/** One request over `agent`; resolves with the status and the milliseconds until the whole answer arrived. */
function send(agent: Agent, method: string, path: string, body?: string) {
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = performance.now()
    const req = request(
      t.url + path,
      {
        method,
        agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - started }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** `{ user { identities { openid } … } }`, as many times as fit in `bytes` of JSON body. */
function repeatedFields(bytes: number): string {
  const field = 'identities { openid } '
  const envelope = JSON.stringify({ query: '{ user {  } }' }).length
  const query = `{ user { ${field.repeat(Math.floor((bytes - envelope) / field.length))} } }`
  return JSON.stringify({ query })
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

/**
 * Runs `clients` attackers, each posting `body` to /graphql/v2 every `everyMs` (back to back when an answer
 * takes longer), at most `perClient` times, while one prober times `samples` sequential GET /healthz. The
 * attack stops when the prober is done or after 15 s. Every client has its own keep-alive connection.
 */
async function healthUnderAttack(body: string, clients = 4, everyMs = 50, perClient = 250) {
  const samples = 400
  const deadline = performance.now() + 15_000
  let done = false
  let attacks = 0
  const statuses = new Set<number>()
  const attackers = Array.from({ length: clients }, async (_, n) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    await sleep((everyMs / clients) * n) // spread over the interval rather than all at once
    for (let i = 0; i < perClient && !done; i++) {
      const started = performance.now()
      statuses.add((await send(agent, 'POST', '/graphql/v2', body)).status)
      attacks++
      await sleep(everyMs - (performance.now() - started))
    }
    agent.destroy()
  })
  const probe = new Agent({ keepAlive: true, maxSockets: 1 })
  await send(probe, 'GET', '/healthz') // the connection is open before the clock starts
  const latencies: number[] = []
  while (latencies.length < samples && performance.now() < deadline) {
    latencies.push((await send(probe, 'GET', '/healthz')).ms)
    await sleep(5)
  }
  done = true
  probe.destroy()
  await Promise.all(attackers)
  const sorted = [...latencies].sort((a, b) => a - b)
  const p50 = percentile(sorted, 50)
  const p99 = percentile(sorted, 99)
  return {
    count: sorted.length,
    p99,
    attacks,
    statuses,
    figures: `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${sorted.length} samples, ${attacks} attacks`,
  }
}

/**
 * The attack's effect on /healthz p99 in the least disturbed of up to three rounds: other processes on a
 * shared machine can only add latency, never remove it, so the quietest round is the truest measure of
 * what the service itself does. A stalled service fails every round.
 */
async function quietestRound(body: string) {
  const rounds: Awaited<ReturnType<typeof healthUnderAttack>>[] = []
  while (rounds.length < 3 && !rounds.some((r) => r.p99 < 50))
    rounds.push(await healthUnderAttack(body))
  const best = rounds.reduce((a, b) => (b.p99 < a.p99 ? b : a))
  return { ...best, figures: rounds.map((r) => r.figures).join('; ') }
}

describe('GraphQL under hostile load', () => {
  it('keeps /healthz p99 under 50 ms while four clients send 16 KiB documents of repeated fields', async () => {
    const body = repeatedFields(16 * 1024 - 64)
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(16 * 1024) // under the app-wide body limit
    const r = await quietestRound(body)
    expect(r.count, r.figures).toBe(400)
    expect(r.attacks, r.figures).toBeGreaterThanOrEqual(150)
    expect(r.p99, r.figures).toBeLessThan(50)
  }, 90_000)
})
