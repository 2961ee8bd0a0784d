// The resolvers of the Authing schema. Every call acts as the bearer's user, through the native bearer
// check; `id` arguments may only name that user. Profile changes go through PATCH /v1/me's rules.
import { eq } from 'drizzle-orm'
import type { Context } from 'hono'
import { decodeJwt } from 'jose'
import { recordAudit } from '../audit'
import { sessions } from '../db/schema'
import { toAppError } from '../db/errors'
import { findConnection, type Deps } from '../deps'
import { AppError, isAppError } from '../errors'
import { sessionContext } from '../http/context'
import { loadMe } from '../routes/me'
import { authingUser, fromAuthingGender } from './authing-user'
import type { Bearer, Me, NativeApi } from './native'

export interface GraphqlContext {
  c: Context
  deps: Deps
  native: NativeApi
  /** The Authorization header's token, checked once per request. */
  bearer(): Promise<Bearer>
}

type Id = { id?: string | null }
type Input = Record<string, unknown>

function own(id: string | null | undefined, auth: Bearer) {
  if (id && id !== auth.userId)
    throw new AppError('user_not_found', 'This token can only read and change its own user.')
}

const shape = (me: Me, auth: Bearer) =>
  authingUser(me, auth.connection, { token: auth.token, expiresAt: new Date(auth.exp * 1000) })

/** Authing's UpdateUserInput as our profile patch; fields we do not keep are refused, not dropped. */
function profilePatch(input: Input): Input {
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

/** Native messages name our field `avatar`; the Authing caller sent `photo`. */
function inAuthingTerms(err: unknown): never {
  if (isAppError(err) && err.details?.field === 'avatar')
    throw new AppError(err.code, err.message.replace(/^avatar/, 'photo'), {
      details: { field: 'photo' },
    })
  throw err
}

export const resolvers = {
  async user({ id }: Id, ctx: GraphqlContext) {
    const auth = await ctx.bearer()
    own(id, auth)
    return shape(await loadMe(ctx.deps.db, auth.userId), auth)
  },

  async updateUser({ id, input }: Id & { input: Input }, ctx: GraphqlContext) {
    const auth = await ctx.bearer()
    own(id, auth)
    const patch = profilePatch(input)
    const me = Object.keys(patch).length
      ? await ctx.native.updateProfile(ctx.c, auth.token, patch).catch(inAuthingTerms)
      : await loadMe(ctx.deps.db, auth.userId)
    return shape(me, auth)
  },

  async checkLoginStatus({ token }: { token?: string | null }, ctx: GraphqlContext) {
    try {
      const auth = token ? await ctx.native.authenticate(ctx.c, token) : await ctx.bearer()
      const data = { id: auth.userId, userPoolId: null, arn: null }
      return { code: 200, message: 'Logged in.', status: true, exp: auth.exp, iat: auth.iat, data }
    } catch (err) {
      const known = toAppError(err)
      if (!known || known.status >= 500) throw err
      return { code: known.status, message: known.message, status: false, exp: null, iat: null }
    }
  },

  /**
   * Authing's refreshToken renews the access token of the bearer's session, within the session's life. Its
   * SDK has no refresh token, so only sessions made through the Authing routes may renew this way: for any
   * other, a leaked access token would otherwise renew itself as long as the session lives.
   */
  async refreshToken({ id }: Id, ctx: GraphqlContext) {
    const { deps } = ctx
    const auth = await ctx.bearer()
    own(id, auth)
    const now = deps.now()
    const [session] = await deps.db
      .select({ expiresAt: sessions.expiresAt, source: sessions.source })
      .from(sessions)
      .where(eq(sessions.id, auth.sessionId))
    if (!session || session.expiresAt <= now)
      throw new AppError('session_revoked', 'The session has expired; log in again.')
    if (session.source !== 'authing')
      throw new AppError(
        'token_invalid',
        'Only sessions that logged in through the Authing routes renew with refreshToken; use POST /v1/token.',
      )
    const connection = findConnection(deps.config, auth.connection)
    const { accessToken } = await deps.accessTokens.sign({
      sub: auth.userId,
      sid: auth.sessionId,
      azp: connection.id,
      aud: connection.appId,
    })
    await recordAudit(
      deps.db,
      {
        type: 'token.refreshed',
        userId: auth.userId,
        connection: connection.id,
        ip: sessionContext(ctx.c).ip,
        detail: { sessionId: auth.sessionId, via: 'authing' },
      },
      now,
    )
    const { iat, exp } = decodeJwt(accessToken)
    return { token: accessToken, iat, exp }
  },
}
