// The audit log: one row per security-relevant event. Detail holds codes and ids, never a token, key,
// session_key or phone number, and the row outlives a deleted user.
import type { Db } from './db/client'
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
  | 'signing_key.rotated'

export interface AuditEvent {
  type: AuditType
  userId?: string | null
  connection?: string | null
  ip?: string | null
  detail?: Record<string, unknown>
}

export async function recordAudit(db: Db, event: AuditEvent, at: Date): Promise<void> {
  await db.insert(auditEvents).values({
    type: event.type,
    userId: event.userId ?? null,
    connection: event.connection ?? null,
    ip: event.ip ?? null,
    detail: event.detail ?? null,
    createdAt: at,
  })
}
