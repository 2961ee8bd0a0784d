// Writes what a batch of import lines decided (resolve.ts): one multi-row statement per kind of change, each
// taking its rows as arrays (unnest), in the lock order of db/locks.ts: users before wechat_identities.
// Existing users are updated before new ones are inserted, so a phone one line moved away is free for the next.
import { sql } from 'drizzle-orm'
import type { Db } from '../../db/client'
import { SESSION_CHANNEL } from '../../tokens/session-cache'
import type { BatchState } from './resolve'

const texts = (values: (string | null)[]) => sql`${sql.param(values)}::text[]`

export async function writeBatch(tx: Db, state: BatchState, now: Date): Promise<void> {
  const at = sql`${now.toISOString()}::timestamptz`
  // The webhook triggers skip this transaction's rows (migration users_external_id): an import is no sign-up.
  await tx.execute(sql`SET LOCAL wechat_login_stack.importing = 'on'`)
  // The session cache's triggers skip this transaction's rows too (migration session_notify): one notification
  // at its commit makes every instance forget what it holds of anyone.
  await tx.execute(sql`SELECT pg_notify(${SESSION_CHANNEL}, '*')`)
  const users = [...state.users.values()]
  const column = <K extends keyof (typeof users)[number]>(rows: typeof users, key: K) =>
    texts(rows.map((u) => u[key] as string | null))
  const changed = users.filter((u) => !u.isNew && u.dirty)
  if (changed.length > 0)
    await tx.execute(sql`
      UPDATE users SET external_id = v.external_id, phone = v.phone, nickname = v.nickname,
        avatar = v.avatar, gender = v.gender, updated_at = ${at}
      FROM unnest(${column(changed, 'id')}, ${column(changed, 'externalId')},
        ${column(changed, 'phone')}, ${column(changed, 'nickname')}, ${column(changed, 'avatar')},
        ${column(changed, 'gender')}) AS v(id, external_id, phone, nickname, avatar, gender)
      WHERE users.id = v.id`)
  const created = users.filter((u) => u.isNew)
  if (created.length > 0)
    await tx.execute(sql`
      INSERT INTO users (id, external_id, phone, nickname, avatar, gender, created_at, updated_at)
      SELECT v.*, ${at}, ${at}
      FROM unnest(${column(created, 'id')}, ${column(created, 'externalId')},
        ${column(created, 'phone')}, ${column(created, 'nickname')}, ${column(created, 'avatar')},
        ${column(created, 'gender')}) AS v`)
  const identities = [...state.identities.values()]
  const added = identities.filter((i) => i.isNew)
  if (added.length > 0)
    await tx.execute(sql`
      INSERT INTO wechat_identities
        (id, user_id, connection, appid, openid, unionid, created_at, updated_at)
      SELECT v.*, ${at}, ${at}
      FROM unnest(${texts(added.map((i) => i.id))}, ${texts(added.map((i) => i.userId))},
        ${texts(added.map((i) => i.connection!))}, ${texts(added.map((i) => i.appid))},
        ${texts(added.map((i) => i.openid))}, ${texts(added.map((i) => i.unionid))}) AS v`)
  const filled = identities.filter((i) => !i.isNew && i.unionDirty)
  if (filled.length > 0)
    await tx.execute(sql`
      UPDATE wechat_identities SET unionid = v.unionid, updated_at = ${at}
      FROM unnest(${texts(filled.map((i) => i.id))}, ${texts(filled.map((i) => i.unionid))})
        AS v(id, unionid)
      WHERE wechat_identities.id = v.id`)
}
