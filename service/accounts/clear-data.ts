// Clearing personal data a person withdrew or WeChat cleaned (the phone number, the nickname, the avatar), on
// the account only: the identities, sessions and the account itself stay. The change is audited as a
// user.updated naming the fields, never their values.
import { eq } from 'drizzle-orm'
import { recordAudit } from '../audit'
import type { Db } from '../db/client'
import { users } from '../db/schema'

export type ClearableField = 'phone' | 'nickname' | 'avatar'

export interface ClearData {
  userId: string
  fields: readonly ClearableField[]
  /** Why, for the audit row: e.g. {by: 'wechat', event: 'user_authorization_revoke'}. */
  detail: Record<string, unknown>
  connection?: string | null
  now: Date
}

/**
 * Inside the caller's transaction, which holds the user's row lock (db/locks.ts: users first). Answers the
 * fields that held something and are now empty; nothing held: nothing written, nothing audited.
 */
export async function clearUserData(tx: Db, input: ClearData): Promise<ClearableField[]> {
  const [row] = await tx
    .select({ phone: users.phone, nickname: users.nickname, avatar: users.avatar })
    .from(users)
    .where(eq(users.id, input.userId))
  if (!row) return []
  const cleared = input.fields.filter((f) => row[f] !== null)
  if (cleared.length === 0) return []
  const set = Object.fromEntries(cleared.map((f) => [f, null]))
  await tx
    .update(users)
    .set({ ...set, updatedAt: input.now })
    .where(eq(users.id, input.userId))
  await recordAudit(
    tx,
    {
      type: 'user.updated',
      userId: input.userId,
      connection: input.connection,
      detail: { ...input.detail, cleared },
    },
    input.now,
  )
  return cleared
}
