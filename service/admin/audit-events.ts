// The audit log for the admin API: newest first, filtered by user and/or type, paged by event id (both
// filters have an index ending in id desc).
import { and, desc, eq, lt, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { auditEvents } from '../db/schema'
import { decodeAuditCursor, encodeAuditCursor, pageOf } from './cursor'

export interface AuditQuery {
  userId?: string
  type?: string
  cursor?: string
  limit: number
}

export async function listAuditEvents(db: Db, q: AuditQuery) {
  const where: SQL[] = []
  if (q.userId !== undefined) where.push(eq(auditEvents.userId, q.userId))
  if (q.type !== undefined) where.push(eq(auditEvents.type, q.type))
  if (q.cursor !== undefined) where.push(lt(auditEvents.id, decodeAuditCursor(q.cursor)))
  const rows = await db
    .select({
      id: auditEvents.id,
      type: auditEvents.type,
      userId: auditEvents.userId,
      connection: auditEvents.connection,
      ip: auditEvents.ip,
      detail: auditEvents.detail,
      createdAt: auditEvents.createdAt,
    })
    .from(auditEvents)
    .where(and(...where))
    .orderBy(desc(auditEvents.id))
    .limit(q.limit + 1)
  const { page, nextCursor } = pageOf(rows, q.limit, (last) => encodeAuditCursor(last.id))
  return { events: page, nextCursor }
}
