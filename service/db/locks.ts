// The lock order of the account writers, written down once. Every transaction that writes accounts takes its
// locks in this order, so no two of them ever wait on each other in a cycle (a deadlock):
//
//   1. advisory: the phone number's lock (`phone:<E.164>`), then the person's (`personLockKey`);
//   2. rows: `users` before `wechat_identities` before `sessions` and `refresh_tokens`; several users rows
//      in id order (`lockUsers`).
//
// Code logins lock the identity's user row before touching the identity (identities.ts); a first login with
// a unionid takes the person's lock, then the other app's user row, then inserts the identity (the function
// of migration 0008_login_union_identity.sql, which identities.ts calls); phone logins take both advisory
// locks, then every users row they will write (phone-account.ts); deleting a user deletes its row first and
// lets the cascades take the rest (delete.ts); blocking locks the user row (user-status.ts); a
// WeChat push takes its dedupe row (a table no other writer touches), then the identity's user row
// (wechat-push.ts); a user import batch takes its phones' locks, then its persons', then its users rows in
// id order (accounts/import/batch.ts; test/e2e/import-race.test.ts races it with logins).
// test/e2e/lock-order.test.ts interleaves them on PostgreSQL.
import { inArray, sql } from 'drizzle-orm'
import type { WeChatSession } from '../wechat/client'
import type { Db } from './client'
import { users } from './schema'

/** A transaction-scoped advisory lock on a text key. */
export const advisoryLock = (tx: Db, key: string) =>
  tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`)

/** Serializes every writer of one phone number, so the unique phone index is never raced. */
export const lockPhone = (tx: Db, phone: string) => advisoryLock(tx, `phone:${phone}`)

/**
 * The advisory-lock key of one person: their unionid across apps, else their openid within one app. Every
 * writer that may create or move a person's identities in a transaction (a phone login, a first login with
 * a unionid) locks this key.
 */
export const personLockKey = (appId: string, s: Pick<WeChatSession, 'openid' | 'unionid'>) =>
  s.unionid ? `u:${s.unionid}` : `o:${appId}:${s.openid}`

/** Locks users rows in id order; answers the rows that still exist, with their status. */
export async function lockUsers(tx: Db, ids: string[]) {
  const unique = [...new Set(ids)].sort()
  if (unique.length === 0) return []
  return tx
    .select({ id: users.id, status: users.status })
    .from(users)
    .where(inArray(users.id, unique))
    .orderBy(users.id)
    .for('update')
}
