// The resolvers of the Authing schema. Every call acts as the bearer's user, through the same check as the
// native bearer (tokens/authenticate.ts); `id` arguments may only name that user. Profile changes follow the
// native profile rules (accounts/profile.ts).
import type { Context } from 'hono'
import { loadProfile, profilePatch, updateProfile, type Profile } from '../accounts/profile'
import { toAppError } from '../db/errors'
import type { Deps } from '../deps'
import { AppError, isAppError } from '../errors'
import { checkInput } from '../http/body'
import { sessionContext } from '../http/context'
import { authenticate, type Authenticated } from '../tokens/authenticate'
import { renewAccessToken } from '../tokens/renew'
import { authingUser, fromAuthingGender } from './authing-user'

export interface GraphqlContext {
  c: Context
  deps: Deps
  /** The Authorization header's token, checked once per request. */
  bearer(): Promise<Authenticated>
}

/** Throws token_missing, token_invalid, token_expired, session_revoked or user_blocked. */
export async function authenticateToken(
  deps: Deps,
  token: string | undefined,
): Promise<Authenticated> {
  if (!token) throw new AppError('token_missing', 'Log in first: this call needs the user token.')
  return authenticate(deps, token)
}

type Id = { id?: string | null }
type Input = Record<string, unknown>

function own(id: string | null | undefined, auth: Authenticated) {
  if (id && id !== auth.userId)
    throw new AppError('user_not_found', 'This token can only read and change its own user.')
}

const shape = (me: Profile, auth: Authenticated) =>
  authingUser(me, auth.connection, { token: auth.token, expiresAt: new Date(auth.exp * 1000) })

/** Authing's UpdateUserInput as our profile patch; fields we do not keep are refused, not dropped. */
function authingPatch(input: Input): Input {
  const unsupported = Object.keys(input).filter(
    (k) => !['nickname', 'photo', 'gender'].includes(k) && input[k] != null,
  )
  if (unsupported.length)
    throw new AppError(
      'invalid_request',
      `Only nickname, photo and gender can be updated here (not ${unsupported.join(', ')}).`,
      { details: { field: unsupported[0] } },
    )
  const patch: Input = {}
  if ('nickname' in input) patch.nickname = input.nickname
  if ('photo' in input) patch.avatar = input.photo
  if ('gender' in input) {
    const g = input.gender
    patch.gender = g == null ? 'unknown' : (fromAuthingGender[String(g)] ?? g)
  }
  return patch
}

/** The patch by the native rules. Their messages name our field `avatar`; the Authing caller sent `photo`. */
function checked(patch: Input) {
  try {
    return checkInput(profilePatch, patch)
  } catch (err) {
    if (isAppError(err) && err.details?.field === 'avatar')
      throw new AppError(err.code, err.message.replace(/^avatar/, 'photo'), {
        details: { field: 'photo' },
      })
    throw err
  }
}

export const resolvers = {
  async user({ id }: Id, ctx: GraphqlContext) {
    const auth = await ctx.bearer()
    own(id, auth)
    return shape(await loadProfile(ctx.deps.db, auth.userId), auth)
  },

  async updateUser({ id, input }: Id & { input: Input }, ctx: GraphqlContext) {
    const auth = await ctx.bearer()
    own(id, auth)
    const patch = authingPatch(input)
    const me = Object.keys(patch).length
      ? await updateProfile(ctx.deps, auth.userId, checked(patch))
      : await loadProfile(ctx.deps.db, auth.userId)
    return shape(me, auth)
  },

  async checkLoginStatus({ token }: { token?: string | null }, ctx: GraphqlContext) {
    try {
      const auth = token ? await authenticate(ctx.deps, token) : await ctx.bearer()
      const data = { id: auth.userId, userPoolId: null, arn: null }
      return { code: 200, message: 'Logged in.', status: true, exp: auth.exp, iat: auth.iat, data }
    } catch (err) {
      const known = toAppError(err)
      if (!known || known.status >= 500) throw err
      return { code: known.status, message: known.message, status: false, exp: null, iat: null }
    }
  },

  /** Authing's refreshToken: a new access token for the bearer's Authing session (tokens/renew.ts). */
  async refreshToken({ id }: Id, ctx: GraphqlContext) {
    const auth = await ctx.bearer()
    own(id, auth)
    const { accessToken, iat, exp } = await renewAccessToken(ctx.deps, auth, sessionContext(ctx.c))
    return { token: accessToken, iat, exp }
  },
}
