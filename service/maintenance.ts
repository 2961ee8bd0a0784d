// Pruning what the service no longer needs: expired refresh tokens, sessions that ended a week ago, audit
// events past AUDIT_RETENTION_DAYS, legacy-phone failure counts whose window is long over, webhook deliveries
// delivered a week ago or failed a month ago, and the dedupe rows of WeChat's pushes past any retry. Every
// instance prunes every MAINTENANCE_INTERVAL (hourly; daily where the database pauses when idle, since each
// round wakes it), at its own moment; each batch is its own short statement, so a backlog never holds long
// locks, and two instances pruning at once only find less.
import { sql } from 'drizzle-orm'
import type { Deps } from './deps'

/** Ended sessions are kept this long, so the admin API still shows how a recent session ended. */
export const ENDED_SESSION_KEEP_DAYS = 7
/** WeChat retries a push within seconds; a week of dedupe rows also catches a late replay of one. */
export const PUSH_DEDUPE_KEEP_DAYS = 7
/** Delivered webhooks are kept this long (the admin API shows them); failed ones, to be retried, longer. */
export const DELIVERED_WEBHOOK_KEEP_DAYS = 7
export const FAILED_WEBHOOK_KEEP_DAYS = 30
const BATCH = 5000

export interface Pruned {
  refreshTokens: number
  sessions: number
  auditEvents: number
  legacyPhoneFailures: number
  wechatPushEvents: number
  webhookDeliveries: number
}

const day = 86_400_000

/** Deletes rows matching `where` from `table`, a batch at a time; answers how many. */
async function deleteInBatches(
  deps: Pick<Deps, 'db'>,
  table: string,
  where: ReturnType<typeof sql>,
) {
  let total = 0
  for (;;) {
    const rows = await deps.db.execute(
      sql`DELETE FROM ${sql.identifier(table)} WHERE ctid IN (
        SELECT ctid FROM ${sql.identifier(table)} WHERE ${where} LIMIT ${BATCH}) RETURNING 1`,
    )
    const n = Array.isArray(rows) ? rows.length : (rows as { rows: unknown[] }).rows.length
    total += n
    if (n < BATCH) return total
  }
}

/** One round of pruning, as of `deps.now()`. */
export async function pruneExpired(deps: Pick<Deps, 'db' | 'now' | 'config'>): Promise<Pruned> {
  const now = deps.now()
  const endedBefore = new Date(now.getTime() - ENDED_SESSION_KEEP_DAYS * day).toISOString()
  // A refresh token past its expiry can neither rotate nor reveal reuse: rotation refuses it either way.
  const refreshTokens = await deleteInBatches(
    deps,
    'refresh_tokens',
    sql`expires_at < ${now.toISOString()}`,
  )
  const sessions = await deleteInBatches(
    deps,
    'sessions',
    sql`expires_at < ${endedBefore} OR revoked_at < ${endedBefore}`,
  )
  const days = deps.config.auditRetentionDays
  const auditEvents = days
    ? await deleteInBatches(
        deps,
        'audit_events',
        sql`created_at < ${new Date(now.getTime() - days * day).toISOString()}`,
      )
    : 0
  // A failure window older than a day counts nothing any more (the cap's window is an hour).
  const legacyPhoneFailures = await deleteInBatches(
    deps,
    'legacy_phone_failures',
    sql`window_started_at < ${new Date(now.getTime() - day).toISOString()}`,
  )
  const ago = (days: number) => new Date(now.getTime() - days * day).toISOString()
  const webhookDeliveries = await deleteInBatches(
    deps,
    'webhook_deliveries',
    sql`(status = 'delivered' AND delivered_at < ${ago(DELIVERED_WEBHOOK_KEEP_DAYS)})
      OR (status = 'failed' AND last_attempt_at < ${ago(FAILED_WEBHOOK_KEEP_DAYS)})`,
  )
  const wechatPushEvents = await deleteInBatches(
    deps,
    'wechat_push_events',
    sql`received_at < ${ago(PUSH_DEDUPE_KEEP_DAYS)}`,
  )
  return {
    refreshTokens,
    sessions,
    auditEvents,
    legacyPhoneFailures,
    webhookDeliveries,
    wechatPushEvents,
  }
}

/** Runs `pruneExpired` every `config.maintenanceIntervalSeconds`; `stop()` ends it and waits for a round under way. */
export function startPruning(deps: Pick<Deps, 'db' | 'now' | 'config' | 'logger'>) {
  const everyMs = deps.config.maintenanceIntervalSeconds * 1000
  let running: Promise<void> | undefined
  const round = () => {
    running ??= pruneExpired(deps)
      .then((pruned) => deps.logger.info({ pruned }, 'pruned expired rows'))
      .catch((err: unknown) => deps.logger.warn({ err }, 'pruning failed; trying again next round'))
      .finally(() => (running = undefined))
  }
  let timer: NodeJS.Timeout | undefined
  // Instances started together do not all prune at the same minute.
  const first = setTimeout(() => {
    round()
    timer = setInterval(round, everyMs).unref()
  }, Math.random() * everyMs).unref()
  return {
    async stop() {
      clearTimeout(first)
      clearInterval(timer)
      await running
    },
  }
}
