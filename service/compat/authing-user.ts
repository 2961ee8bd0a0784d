// Our user in the shape of Authing's `User`: the fields authing-js-sdk's documents select, null where we
// keep no such value. `photo` is our avatar; `phone` is the national number for +86, as Authing shows it.
import type { Profile } from '../accounts/profile'
import { nationalNumber } from '../wechat/phone'

/** Authing's gender letters; ours are the words. */
export const toAuthingGender: Record<string, string> = { male: 'M', female: 'F', unknown: 'U' }
export const fromAuthingGender: Record<string, string> = { M: 'male', F: 'female', U: 'unknown' }

export interface IssuedToken {
  token: string
  expiresAt: Date
}

const absent = [
  'arn',
  'userPoolId',
  'username',
  'email',
  'registerSource',
  'password',
  'oauth',
  'lastIP',
  'device',
  'browser',
  'company',
  'name',
  'givenName',
  'familyName',
  'middleName',
  'profile',
  'preferredUsername',
  'website',
  'birthdate',
  'zoneinfo',
  'locale',
  'address',
  'formatted',
  'streetAddress',
  'locality',
  'region',
  'postalCode',
  'city',
  'province',
  'country',
] as const

/** `connection` picks the identity shown as the user's openid/unionid (the one the token was issued for). */
export function authingUser(me: Profile, connection: string, issued?: IssuedToken) {
  const identity = me.identities.find((i) => i.connection === connection) ?? me.identities[0]
  return {
    ...Object.fromEntries(absent.map((field) => [field, null])),
    id: me.id,
    status: me.status === 'active' ? 'Activated' : 'Suspended',
    blocked: me.status !== 'active',
    isDeleted: false,
    emailVerified: false,
    phone: me.phone === null ? null : nationalNumber(me.phone),
    phoneVerified: me.phone !== null,
    openid: identity?.openid ?? null,
    unionid: identity?.unionid ?? null,
    identities: me.identities.map((i) => ({
      openid: i.openid,
      userIdInIdp: i.openid,
      userId: me.id,
      connectionId: i.connection,
      isSocial: true,
      provider: 'wechat:miniprogram',
      userPoolId: null,
    })),
    // The id the user had before it was imported (for a user pool moved from Authing, its Authing id).
    externalId: me.externalId,
    nickname: me.nickname,
    photo: me.avatar,
    gender: toAuthingGender[me.gender] ?? 'U',
    token: issued?.token ?? null,
    tokenExpiredAt: issued?.expiresAt.toISOString() ?? null,
    loginsCount: me.loginCount,
    lastLogin: me.lastLoginAt,
    signedUp: me.createdAt,
    createdAt: me.createdAt,
    updatedAt: me.updatedAt,
  }
}
