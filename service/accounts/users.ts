// Users as the API shows them: never the session_key, the AppSecret or any key material.
import type { users } from '../db/schema'

export type UserRow = typeof users.$inferSelect

export interface PublicUser {
  id: string
  /** The user's id in the system they were imported from, or null. */
  externalId: string | null
  phone: string | null
  nickname: string | null
  avatar: string | null
  gender: string
  status: string
  loginCount: number
  lastLoginAt: string | null
  createdAt: string
  updatedAt: string
}

export function publicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    externalId: u.externalId,
    phone: u.phone,
    nickname: u.nickname,
    avatar: u.avatar,
    gender: u.gender,
    status: u.status,
    loginCount: u.loginCount,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  }
}
