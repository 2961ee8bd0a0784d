// User search for the admin API: exact phone, openid or unionid, nickname prefix; newest first
// (created_at desc, id desc, the order of users_created_at_idx) with a keyset cursor.
import { and, desc, eq, inArray, like, sql, type SQL } from 'drizzle-orm'
import { getTableColumns } from 'drizzle-orm'
import { publicUser, type PublicUser } from '../accounts/users'
import type { Db } from '../db/client'
import { users, wechatIdentities } from '../db/schema'
import { AppError } from '../errors'
import { decodeUserCursor, encodeUserCursor } from './cursor'

export interface UserSearch {
  phone?: string
  /** The user's id in the system it was imported from. */
  externalId?: string
  openid?: string
  unionid?: string
  nickname?: string
  cursor?: string
  limit: number
}

/**
 * E.164 as stored (+8613800138000), also written with spaces or dashes; a bare 11-digit mainland mobile
 * number is taken as +86, since that is how support staff are usually given it.
 */
export function normalizePhone(raw: string): string {
  const compact = raw.replace(/[\s-]/g, '')
  if (/^\+[1-9]\d{5,14}$/.test(compact)) return compact
  if (/^1[3-9]\d{9}$/.test(compact)) return `+86${compact}`
  throw new AppError(
    'invalid_request',
    'phone: must be E.164 (+8613800138000) or an 11-digit +86 mobile',
    {
      details: { field: 'phone' },
    },
  )
}

/** LIKE treats % and _ as wildcards and \ as its escape: a nickname prefix must match them literally. */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`)

/** The cursor position keeps PostgreSQL's microseconds: a JS Date would round them away and skip rows. */
const cursorAt = sql<string>`to_char(${users.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

export async function searchUsers(
  db: Db,
  appIds: string[],
  q: UserSearch,
): Promise<{ users: PublicUser[]; nextCursor: string | null }> {
  const where: SQL[] = []
  if (q.phone !== undefined) where.push(eq(users.phone, normalizePhone(q.phone)))
  if (q.externalId !== undefined) where.push(eq(users.externalId, q.externalId))
  if (q.nickname !== undefined) where.push(like(users.nickname, `${escapeLike(q.nickname)}%`))
  if (q.openid !== undefined) {
    // openid is unique per appid; naming the configured appids lets the (appid, openid) index answer.
    const owners = db
      .select({ id: wechatIdentities.userId })
      .from(wechatIdentities)
      .where(and(inArray(wechatIdentities.appid, appIds), eq(wechatIdentities.openid, q.openid)))
    where.push(inArray(users.id, owners))
  }
  if (q.unionid !== undefined) {
    const owners = db
      .select({ id: wechatIdentities.userId })
      .from(wechatIdentities)
      .where(eq(wechatIdentities.unionid, q.unionid))
    where.push(inArray(users.id, owners))
  }
  if (q.cursor !== undefined) {
    const after = decodeUserCursor(q.cursor)
    where.push(sql`(${users.createdAt}, ${users.id}) < (${after.at}::timestamptz, ${after.id})`)
  }
  const rows = await db
    .select({ ...getTableColumns(users), cursorAt })
    .from(users)
    .where(and(...where))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(q.limit + 1)
  const page = rows.slice(0, q.limit)
  const last = page.at(-1)
  return {
    users: page.map(publicUser),
    nextCursor:
      rows.length > q.limit && last ? encodeUserCursor({ at: last.cursorAt, id: last.id }) : null,
  }
}
