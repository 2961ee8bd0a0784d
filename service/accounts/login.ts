// Silent login: a wx.login code becomes an account and a token pair. Every outcome is audited.
import { recordAudit } from '../audit'
import type { Connection } from '../config'
import { findConnection, wechatApp, type Deps } from '../deps'
import { AppError, isAppError } from '../errors'
import { createSession, type SessionContext } from '../tokens/sessions'
import { resolveIdentity, type Resolved } from './identities'
import { publicUser, type PublicUser, type UserRow } from './users'

export interface LoginResult {
  user: PublicUser
  accessToken: string
  refreshToken: string
  tokenType: 'Bearer'
  expiresIn: number
}

export interface LoginInput extends SessionContext {
  connection: string
  code: string
}

/** Issues a session and its tokens for a user who has just proved who they are. */
export async function issueTokens(
  deps: Deps,
  user: UserRow,
  connection: Connection,
  ctx: SessionContext,
): Promise<LoginResult> {
  if (user.status !== 'active') throw new AppError('user_blocked', 'This account is blocked.')
  const now = deps.now()
  const { sessionId, refreshToken } = await createSession(
    deps.db,
    { userId: user.id, connection: connection.id, ...ctx },
    { now, refreshTtlSeconds: deps.config.refreshTokenTtlSeconds, randomId: deps.randomId },
  )
  const { accessToken, expiresIn } = await deps.accessTokens.sign({
    sub: user.id,
    sid: sessionId,
    azp: connection.id,
    aud: connection.appId,
  })
  return { user: publicUser(user), accessToken, refreshToken, tokenType: 'Bearer', expiresIn }
}

/** Runs a login, writing `login.succeeded` or `login.failed` to the audit log. */
export async function audited(
  deps: Deps,
  method: string,
  connectionId: string,
  ctx: SessionContext,
  run: () => Promise<{ result: LoginResult; resolved: Pick<Resolved, 'created' | 'linked'> }>,
): Promise<LoginResult> {
  try {
    const { result, resolved } = await run()
    await recordAudit(
      deps.db,
      {
        type: 'login.succeeded',
        userId: result.user.id,
        connection: connectionId,
        ip: ctx.ip,
        detail: { method, created: resolved.created, linked: resolved.linked },
      },
      deps.now(),
    )
    return result
  } catch (err) {
    const code = isAppError(err) ? err.code : 'internal_error'
    await recordAudit(
      deps.db,
      {
        type: 'login.failed',
        connection: connectionId.slice(0, 64),
        ip: ctx.ip,
        detail: { method, code },
      },
      deps.now(),
    ).catch((auditErr: unknown) =>
      deps.logger.warn({ err: auditErr }, 'could not audit a failed login'),
    )
    throw err
  }
}

export async function loginWithCode(deps: Deps, input: LoginInput): Promise<LoginResult> {
  const ctx = { ip: input.ip, userAgent: input.userAgent }
  return audited(deps, 'code', input.connection, ctx, async () => {
    const connection = findConnection(deps.config, input.connection)
    const session = await deps.wechat.code2Session(wechatApp(connection), input.code)
    const resolved = await resolveIdentity(deps.db, connection, session, {
      now: deps.now(),
      randomId: deps.randomId,
      sessionKeyEnc: deps.sealer.seal(session.sessionKey, 'session_key'),
      allowCreate: !connection.loginOnly,
    })
    return { result: await issueTokens(deps, resolved.user, connection, ctx), resolved }
  })
}
