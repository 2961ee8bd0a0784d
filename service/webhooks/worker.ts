// Delivers the outbox in every instance, off the request path: claims due rows with FOR UPDATE SKIP LOCKED
// (two instances never take the same row), holds them by a lease while it posts, and records each attempt:
// delivered, due again on the retry schedule, or failed after the last. A slow or dead receiver only ever
// occupies one of this worker's few slots, never a login.
import { and, eq, sql } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import { Agent } from 'undici'
import { prepareSql, type Db } from '../db/client'
import { perDb } from '../db/per-db'
import { webhookDeliveries } from '../db/schema'
import type { Deps } from '../deps'
import { sendWebhook, type Attempt } from './send'
import { nextAttemptAt, type WebhookEndpoint } from './types'

export interface WorkerOptions {
  /** Deliveries posted at once by this instance. @default 8 */
  concurrency?: number
}

interface Claimed {
  id: string
  endpoint_id: string
  payload: Record<string, unknown>
  attempts: number
}

const ph = sql.placeholder
/** The due rows of the endpoints this instance knows, oldest first, leased to it until `lease`. */
const claimSql = sql`UPDATE webhook_deliveries d SET next_attempt_at = ${ph('lease')}::timestamptz
WHERE d.id IN (
  SELECT id FROM webhook_deliveries
  WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ${ph('now')}::timestamptz)
    AND endpoint_id = ANY (${ph('endpoints')}::text[]) AND NOT (id = ANY (${ph('busy')}::text[]))
  ORDER BY next_attempt_at NULLS FIRST, seq
  LIMIT ${ph('limit')}::int
  FOR UPDATE SKIP LOCKED
)
RETURNING d.id, d.endpoint_id, d.payload, d.attempts`
const claimStatement = perDb((db: Db) =>
  prepareSql<Claimed>(db, 'claim_webhook_deliveries', claimSql),
)

export function startWebhookWorker(
  deps: Pick<Deps, 'db' | 'now' | 'config' | 'logger'>,
  { concurrency = 8 }: WorkerOptions = {},
) {
  const { db, config, logger } = deps
  const pollMs = config.webhookPollMs
  const endpoints = new Map<string, { endpoint: WebhookEndpoint; signer: Webhook }>(
    config.webhooks.map((e) => [e.id, { endpoint: e, signer: new Webhook(e.secret) }]),
  )
  const timeoutMs = config.webhookTimeoutMs
  const dispatcher = new Agent({ connect: { timeout: timeoutMs }, connections: concurrency })
  const stopping = new AbortController()
  const inFlight = new Map<string, Promise<void>>()
  let timer: NodeJS.Timeout | undefined
  let ticking: Promise<void> | undefined

  async function record(row: Claimed, attempt: Attempt) {
    const now = deps.now()
    const attempts = row.attempts + 1
    const next = attempt.ok ? null : nextAttemptAt(attempts, now)
    const status = attempt.ok ? 'delivered' : next ? 'pending' : 'failed'
    await db
      .update(webhookDeliveries)
      .set({
        status,
        attempts,
        nextAttemptAt: next,
        lastAttemptAt: now,
        lastStatus: attempt.status ?? null,
        lastError: attempt.error ?? null,
        deliveredAt: attempt.ok ? now : null,
      })
      .where(and(eq(webhookDeliveries.id, row.id), eq(webhookDeliveries.status, 'pending')))
    if (!attempt.ok)
      logger.warn(
        { delivery: row.id, endpoint: row.endpoint_id, attempts, error: attempt.error, status },
        'webhook delivery failed',
      )
  }

  async function deliver(row: Claimed) {
    const target = endpoints.get(row.endpoint_id)!
    try {
      const attempt = await sendWebhook({
        url: target.endpoint.url,
        signer: target.signer,
        id: row.id,
        body: JSON.stringify(row.payload),
        dispatcher,
        timeoutMs,
        signal: stopping.signal,
      })
      await record(row, attempt)
    } catch (err) {
      if (stopping.signal.aborted) {
        // Shutting down mid-post: due again at once for whichever instance comes next; not an attempt.
        await db
          .update(webhookDeliveries)
          .set({ nextAttemptAt: null })
          .where(and(eq(webhookDeliveries.id, row.id), eq(webhookDeliveries.status, 'pending')))
          .catch(() => {})
        return
      }
      // The lease runs out and the row is tried again.
      logger.warn({ err, delivery: row.id }, 'could not record a webhook attempt')
    }
  }

  async function claim(limit: number): Promise<Claimed[]> {
    const now = deps.now()
    // Longer than a post can take (it is cut off at timeoutMs) and its recording, so no other instance takes
    // the row meanwhile; short enough that a row held by an instance that died is sent again soon.
    const lease = new Date(now.getTime() + 2 * timeoutMs + 5000)
    return claimStatement(db)({
      now: now.toISOString(),
      lease: lease.toISOString(),
      endpoints: `{${[...endpoints.keys()].join(',')}}`,
      busy: `{${[...inFlight.keys()].join(',')}}`,
      limit,
    })
  }

  /** Claims what fits in the free slots and starts posting; true when there may be more due at once. */
  async function tick(): Promise<boolean> {
    const free = concurrency - inFlight.size
    if (free <= 0) return false
    let rows: Claimed[]
    try {
      rows = await claim(free)
    } catch (err) {
      logger.warn({ err }, 'could not claim webhook deliveries; trying again')
      return false
    }
    for (const row of rows) {
      const done = deliver(row).finally(() => {
        inFlight.delete(row.id)
        schedule(0)
      })
      inFlight.set(row.id, done)
    }
    return rows.length === free
  }

  let again = false
  async function run() {
    if (ticking) return void (again = true)
    let more = false
    ticking = tick().then((m) => void (more = m))
    await ticking
    ticking = undefined
    schedule(more || again ? 0 : pollMs)
    again = false
  }

  function schedule(ms: number) {
    if (stopping.signal.aborted) return
    clearTimeout(timer)
    timer = setTimeout(() => void run(), ms).unref()
  }

  schedule(0)
  return {
    /** Looks for due deliveries now rather than at the next poll. */
    nudge: () => schedule(0),
    /** Stops claiming, aborts posts under way (they are due again at once), closes the HTTP pool. */
    async stop() {
      stopping.abort()
      clearTimeout(timer)
      await ticking
      await Promise.allSettled(inFlight.values())
      await dispatcher.close()
    },
  }
}

export type WebhookWorker = ReturnType<typeof startWebhookWorker>
