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

/** The rules of each profile field, shared with the user import (import/line.ts). */
export const profileFields = {
  nickname: z.string().trim().min(1).max(64).nullable(),
  avatar: z
    .string()
    .max(1024)
    .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'must be an https URL')
    .nullable(),
  gender: z.enum(genders),
}

export const profilePatch = z
  .strictObject(profileFields)
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

/**
 * GET /v1/me's profile: from this instance's memory when it holds it (tokens/session-cache.ts: a change made
 * anywhere empties it; loginCount and lastLoginAt may lag a login on another instance by SESSION_CACHE_TTL).
 */
export async function cachedProfile(
  deps: Pick<Deps, 'db' | 'sessionCache'>,
  userId: string,
): Promise<Profile> {
  const cached = deps.sessionCache.profile(userId) as Profile | undefined
  if (cached) return cached
  const ticket = deps.sessionCache.ticket()
  const profile = await loadProfile(deps.db, userId)
  deps.sessionCache.rememberProfile(userId, profile, ticket)
  return profile
}

export async function loadProfile(db: Db, userId: string): Promise<Profile> {
  const rows = await profileStatement(db).execute({ userId })
  if (!rows[0]) throw new AppError('user_not_found', 'The account no longer exists.')
  const identities = rows.flatMap((r) => (r.identity ? [r.identity] : []))
  return { ...publicUser(rows[0].user), identities }
}

/** Applies a patch that `profilePatch` has accepted and answers the profile as it now is. */
export async function updateProfile(
  deps: Pick<Deps, 'db' | 'now' | 'sessionCache'>,
  userId: string,
  patch: ProfilePatch,
): Promise<Profile> {
  await deps.db
    .update(users)
    .set({ ...patch, updatedAt: deps.now() })
    .where(eq(users.id, userId))
  deps.sessionCache.forgetUser(userId)
  return loadProfile(deps.db, userId)
}
