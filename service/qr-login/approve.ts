// The Mini Program side of a web login: the person who scanned the code sees what they approve, then confirms
// or cancels. One person per code, only a Mini Program session of the code's own connection, every step audited.
import { eq } from 'drizzle-orm'
import { recordAudit, type AuditType } from '../audit'
import type { Db } from '../db/client'
import { qrLogins, sessions } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { Auth } from '../tokens/authenticate'

export type QrRow = typeof qrLogins.$inferSelect
export type Step = 'scan' | 'confirm' | 'cancel'

/** What the page shows before the person confirms: which site, when, and from where it asked. */
export interface QrLoginRequest {
  id: string
  connection: { id: string; displayName: string }
  createdAt: string
  expiresAt: string
  ip: string | null
  userAgent: string | null
  origin: string | null
}

/** Whether the login can no longer be acted on: finished, cancelled or expired. */
export function settled(row: QrRow, now: Date): AppError | undefined {
  if (row.status === 'confirmed' || row.status === 'delivered')
    return new AppError('qr_login_used', 'This code has already been used to log in.')
  if (row.status === 'cancelled')
    return new AppError('qr_login_cancelled', 'This login was cancelled.')
  if (now >= row.expiresAt)
    return new AppError('qr_login_expired', 'This code has expired; refresh it on the web page.')
  return undefined
}

interface Attempt {
  auth: Auth
  /** The client of the approving session ('web' for a browser's). */
  client: string | null | undefined
  step: Step
  now: Date
}

function refusal(row: QrRow, { auth, client, step, now }: Attempt) {
  // Checked first, so that another Mini Program's user learns nothing about the login's state.
  if (row.connection !== auth.connection || client === 'web')
    return new AppError(
      'qr_login_foreign',
      'This code can only be approved in the Mini Program it was made for.',
    )
  const mine = row.scannedBy === auth.userId
  if (mine && row.status === stepOutcome[step].status) return undefined // a repeat: answered the same
  const over = settled(row, now)
  if (over) return over
  if (row.scannedBy && !mine)
    return new AppError('qr_login_taken', 'Someone else has already scanned this code.')
  if (step !== 'scan' && !row.scannedBy)
    return new AppError('qr_login_not_scanned', 'Scan the code before confirming or cancelling.')
  return undefined
}

const stepOutcome: Record<Step, { status: string; audit: AuditType }> = {
  scan: { status: 'scanned', audit: 'qr_login.scanned' },
  confirm: { status: 'confirmed', audit: 'qr_login.confirmed' },
  cancel: { status: 'cancelled', audit: 'qr_login.cancelled' },
}

/**
 * One step under the row's lock, so two people scanning at once cannot both win. A repeated step by the
 * same person (the page reloaded, the network retried) changes nothing and answers the same.
 */
export async function approveStep(
  deps: Deps,
  id: string,
  { auth, step, ip }: { auth: Auth; step: Step; ip: string | undefined },
): Promise<QrLoginRequest> {
  const now = deps.now()
  const outcome = await deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(qrLogins).where(eq(qrLogins.id, id)).for('update')
    if (!row) return new AppError('qr_login_not_found', 'There is no such QR login.')
    const client = await sessionClient(tx, auth.sessionId)
    const refused = refusal(row, { auth, client, step, now })
    if (refused) return { refused, row, changed: false }
    const { status } = stepOutcome[step]
    if (row.status === status) return { row, changed: false, refused: undefined }
    const set: Partial<QrRow> =
      step === 'scan'
        ? { status, scannedBy: auth.userId, scannedAt: now }
        : // Confirming opens a fresh window for the browser to collect the login, however late it came.
          step === 'confirm'
          ? {
              status,
              decidedAt: now,
              expiresAt: new Date(now.getTime() + deps.config.qrLoginTtlSeconds * 1000),
            }
          : { status, decidedAt: now }
    await tx.update(qrLogins).set(set).where(eq(qrLogins.id, id))
    return { row: { ...row, ...set }, changed: true, refused: undefined }
  })
  if (outcome instanceof AppError) throw outcome
  const base = { userId: auth.userId, connection: auth.connection, ip }
  if (outcome.refused) {
    await recordAudit(
      deps.db,
      { ...base, type: 'qr_login.refused', detail: { id, step, code: outcome.refused.code } },
      now,
    )
    throw outcome.refused
  }
  if (outcome.changed)
    await recordAudit(deps.db, { ...base, type: stepOutcome[step].audit, detail: { id } }, now)
  return describe(deps, outcome.row)
}

async function sessionClient(tx: Db, sessionId: string) {
  const [s] = await tx
    .select({ client: sessions.client })
    .from(sessions)
    .where(eq(sessions.id, sessionId))
  return s?.client
}

function describe(deps: Deps, row: QrRow): QrLoginRequest {
  const connection = deps.config.connections.find((c) => c.id === row.connection)
  return {
    id: row.id,
    connection: { id: row.connection, displayName: connection?.displayName ?? row.connection },
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    ip: row.ip,
    userAgent: row.userAgent,
    origin: row.origin,
  }
}
