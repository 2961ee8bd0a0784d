// Writes WEBHOOKS' endpoints (URL and wanted types, never the secret) where the database's user triggers read
// them, at every start: an endpoint removed from WEBHOOKS goes, and its undelivered rows with it.
import { notInArray, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { webhookDeliveries, webhookEndpoints } from '../db/schema'
import type { WebhookEndpoint } from './types'

export async function syncWebhookEndpoints(db: Db, endpoints: readonly WebhookEndpoint[]) {
  await db.transaction(async (tx) => {
    const ids = endpoints.map((e) => e.id)
    await tx
      .delete(webhookEndpoints)
      .where(ids.length ? notInArray(webhookEndpoints.id, ids) : sql`true`)
    // Undelivered rows too (no foreign key cascades them: see schema.ts); kept ones would never be sent.
    await tx
      .delete(webhookDeliveries)
      .where(ids.length ? notInArray(webhookDeliveries.endpointId, ids) : sql`true`)
    for (const e of endpoints) {
      const values = { url: e.url, events: e.events ? [...e.events] : null }
      await tx
        .insert(webhookEndpoints)
        .values({ id: e.id, ...values })
        .onConflictDoUpdate({ target: webhookEndpoints.id, set: values })
    }
  })
}
