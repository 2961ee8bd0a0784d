// The webhook outbox for the admin API: deliveries newest first, by status, paged by their sequence; and
// retrying a failed one, which makes it due at once with the whole retry schedule ahead of it again.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm'
import { recordAudit, type AdminActor } from '../audit'
import type { Db } from '../db/client'
import { webhookDeliveries, webhookEndpoints } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { decodeDeliveryCursor, encodeDeliveryCursor, pageOf } from './cursor'

export const deliveryStatuses = ['pending', 'delivered', 'failed'] as const

export interface DeliveryQuery {
  status?: (typeof deliveryStatuses)[number]
  cursor?: string
  limit: number
}

const columns = {
  seq: webhookDeliveries.seq,
  id: webhookDeliveries.id,
  url: webhookEndpoints.url,
  type: webhookDeliveries.type,
  userId: webhookDeliveries.userId,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
  lastAttemptAt: webhookDeliveries.lastAttemptAt,
  lastStatus: webhookDeliveries.lastStatus,
  lastError: webhookDeliveries.lastError,
  deliveredAt: webhookDeliveries.deliveredAt,
  createdAt: webhookDeliveries.createdAt,
}

type Row = { [K in keyof typeof columns]: (typeof columns)[K]['_']['data'] | null }

/** A delivery as the admin API shows it: the endpoint without its query (a URL may carry a token there). */
function shown({ seq: _seq, url, ...row }: Row) {
  const endpoint = url ? new URL(url) : undefined
  return { ...row, endpoint: endpoint ? endpoint.origin + endpoint.pathname : null }
}

const select = (db: Db) =>
  db
    .select(columns)
    .from(webhookDeliveries)
    .leftJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))

export async function listWebhookDeliveries(db: Db, q: DeliveryQuery) {
  const where: SQL[] = []
  if (q.status !== undefined) where.push(eq(webhookDeliveries.status, q.status))
  if (q.cursor !== undefined) where.push(lt(webhookDeliveries.seq, decodeDeliveryCursor(q.cursor)))
  const rows = await select(db)
    .where(and(...where))
    .orderBy(desc(webhookDeliveries.seq))
    .limit(q.limit + 1)
  const { page, nextCursor } = pageOf(rows, q.limit, (last) => encodeDeliveryCursor(last.seq!))
  return { deliveries: page.map(shown), nextCursor }
}

export async function retryWebhookDelivery(
  deps: Pick<Deps, 'db' | 'now'>,
  id: string,
  ctx: { ip?: string | null; actor?: AdminActor },
) {
  const now = deps.now()
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ status: webhookDeliveries.status, userId: webhookDeliveries.userId })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, id))
      .for('update')
    if (!row) throw new AppError('webhook_delivery_not_found', 'There is no delivery with this id.')
    if (row.status !== 'failed')
      throw new AppError(
        'webhook_delivery_not_failed',
        `Only a failed delivery can be retried; this one is ${row.status}.`,
      )
    await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: null })
      .where(eq(webhookDeliveries.id, id))
    await recordAudit(
      tx,
      {
        type: 'webhook_delivery.retried',
        userId: row.userId,
        ip: ctx.ip,
        detail: { id, actor: ctx.actor ?? 'admin' },
      },
      now,
    )
    const [after] = await select(tx).where(eq(webhookDeliveries.id, id))
    return shown(after!)
  })
}
