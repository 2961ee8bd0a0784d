// A person's profile as they see and change it: GET/PATCH /v1/me, the phone routes' answers, and Authing's
// user and updateUser. The patch's rules live here, so every API that edits a profile applies the same ones.
import { eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { Db } from '../db/client'
import { perDb } from '../db/per-db'
import { users, wechatIdentities } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { publicUser, type PublicUser } from './users'

export const genders = ['male', 'female', 'unknown'] as const

export const profilePatch = z
  .strictObject({
    nickname: z.string().trim().min(1).max(64).nullable(),
    avatar: z
      .string()
      .max(1024)
      .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'must be an https URL')
      .nullable(),
    gender: z.enum(genders),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'send at least one of nickname, avatar, gender')

export type ProfilePatch = z.infer<typeof profilePatch>

export interface Profile extends PublicUser {
  identities: { connection: string; appId: string; openid: string; unionid: string | null }[]
}

/** The user and their identities in one prepared statement: one round trip, where two queries took four. */
const profileStatement = perDb((db: Db) =>
  db
    .select({
      user: users,
      identity: {
        connection: wechatIdentities.connection,
        appId: wechatIdentities.appid,
        openid: wechatIdentities.openid,
        unionid: wechatIdentities.unionid,
      },
    })
    .from(users)
    .leftJoin(wechatIdentities, eq(wechatIdentities.userId, users.id))
    .where(eq(users.id, sql.placeholder('userId')))
    .prepare('load_me'),
)

export async function loadProfile(db: Db, userId: string): Promise<Profile> {
  const rows = await profileStatement(db).execute({ userId })
  if (!rows[0]) throw new AppError('user_not_found', 'The account no longer exists.')
  const identities = rows.flatMap((r) => (r.identity ? [r.identity] : []))
  return { ...publicUser(rows[0].user), identities }
}

/** Applies a patch that `profilePatch` has accepted and answers the profile as it now is. */
export async function updateProfile(
  deps: Pick<Deps, 'db' | 'now'>,
  userId: string,
  patch: ProfilePatch,
): Promise<Profile> {
  await deps.db
    .update(users)
    .set({ ...patch, updatedAt: deps.now() })
    .where(eq(users.id, userId))
  return loadProfile(deps.db, userId)
}
