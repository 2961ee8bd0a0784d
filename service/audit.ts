// The audit log: one row per security-relevant event. Detail holds codes and ids, never a token, key,
// session_key or phone number, and the row outlives a deleted user.
import { sql } from 'drizzle-orm'
import type { Db } from './db/client'
import { perDb } from './db/per-db'
import { auditEvents } from './db/schema'

export type AuditType =
  | 'login.succeeded'
  | 'login.failed'
  | 'user.created'
  | 'identity.linked'
  | 'phone.bound'
  | 'token.refreshed'
  | 'token.reuse_detected'
  | 'session.revoked'
  | 'user.updated'
  | 'user.deleted'
  | 'user.blocked'
  | 'user.unblocked'
  /** One row per import run with its counts: imported users get no user.created of their own. */
  | 'users.imported'
  | 'signing_key.rotated'
  | 'wechat_access_token.read'
  | 'qr_login.created'
  | 'qr_login.scanned'
  | 'qr_login.confirmed'
  | 'qr_login.cancelled'
  | 'qr_login.refused'
  | 'wechat.push'
  | 'webhook_delivery.retried'
  | 'console.signed_in'
  | 'console.sign_in_refused'
  | 'console.signed_out'

/** Who acted through the admin API: a caller with the key, or an operator in the admin console. */
export type AdminActor = 'admin' | 'console'

export interface AuditEvent {
  type: AuditType
  userId?: string | null
  connection?: string | null
  ip?: string | null
  detail?: Record<string, unknown>
}

/** Prepared: one round trip instead of the two an unprepared statement with parameters takes. */
const insertStatement = perDb((db: Db) => {
  const ph = sql.placeholder
  return db
    .insert(auditEvents)
    .values({
      type: ph('type'),
      userId: ph('userId'),
      connection: ph('connection'),
      ip: ph('ip'),
      // Raw, not column-bound: drizzle's jsonb encoder would store an absent detail as JSON null.
      detail: sql`${ph('detail')}`,
      createdAt: ph('at'),
    })
    .prepare('record_audit')
})

export async function recordAudit(db: Db, event: AuditEvent, at: Date): Promise<void> {
  await insertStatement(db).execute({
    type: event.type,
    userId: event.userId ?? null,
    connection: event.connection ?? null,
    ip: event.ip ?? null,
    detail: event.detail ? JSON.stringify(event.detail) : null,
    at,
  })
}
