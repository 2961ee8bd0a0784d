// What the database already holds for a batch of import lines: the users their externalIds, phones and
// identities lead to, and those identities. Each query takes its keys as arrays, so its text (and its
// prepared plan) is the same for every batch.
import { sql } from 'drizzle-orm'
import type { Db } from '../../db/client'
import type { UserRow } from '../users'

export interface BatchKeys {
  externalIds: string[]
  phones: string[]
  /** Pairs: appids[i] with openids[i]. */
  appids: string[]
  openids: string[]
  unionids: string[]
}

export type FoundUser = Pick<
  UserRow,
  'id' | 'externalId' | 'phone' | 'nickname' | 'avatar' | 'gender'
>

export interface FoundIdentity {
  id: string
  userId: string
  appid: string
  openid: string
  unionid: string | null
}

const texts = (values: string[]) => sql`${sql.param(values)}::text[]`

/** The identities with one of the lines' (appid, openid) pairs, or one of their unionids. */
export async function findIdentities(db: Db, k: BatchKeys): Promise<FoundIdentity[]> {
  const rows = await db.execute(sql`
    SELECT i.id, i.user_id, i.appid, i.openid, i.unionid
    FROM unnest(${texts(k.appids)}, ${texts(k.openids)}) AS k(appid, openid)
    JOIN wechat_identities i ON i.appid = k.appid AND i.openid = k.openid
    UNION
    SELECT i.id, i.user_id, i.appid, i.openid, i.unionid
    FROM wechat_identities i WHERE i.unionid = ANY(${texts(k.unionids)})`)
  return rowsOf(rows).map((r) => ({
    id: r.id!,
    userId: r.user_id!,
    appid: r.appid!,
    openid: r.openid!,
    unionid: r.unionid ?? null,
  }))
}

/**
 * The users with one of the externalIds or phones, or holding one of `ids`; `lock`: their rows locked in id
 * order (db/locks.ts), each as it is once its lock is granted.
 */
export async function findUsers(
  db: Db,
  k: BatchKeys,
  ids: string[],
  lock: boolean,
): Promise<FoundUser[]> {
  const rows = await db.execute(sql`
    SELECT id, external_id, phone, nickname, avatar, gender FROM users
    WHERE external_id = ANY(${texts(k.externalIds)}) OR phone = ANY(${texts(k.phones)})
      OR id = ANY(${texts(ids)})
    ORDER BY id ${lock ? sql`FOR UPDATE` : sql``}`)
  return rowsOf(rows).map((r) => ({
    id: r.id!,
    externalId: r.external_id ?? null,
    phone: r.phone ?? null,
    nickname: r.nickname ?? null,
    avatar: r.avatar ?? null,
    gender: r.gender!,
  }))
}

/**
 * Transaction-scoped advisory locks on `keys`, taken in one order (by their hash, as advisoryLock hashes
 * them), so two imports with overlapping keys never wait on each other in a cycle.
 */
export async function lockKeys(db: Db, keys: string[]): Promise<void> {
  if (keys.length === 0) return
  await db.execute(sql`
    SELECT pg_advisory_xact_lock(h)
    FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(${texts(keys)}) AS k ORDER BY 1) AS s`)
}

/** postgres.js answers an array of rows, PGlite `{rows}`. */
function rowsOf(result: unknown): Record<string, string | null>[] {
  return Array.isArray(result) ? result : (result as { rows: Record<string, string | null>[] }).rows
}
