// Silent login: a wx.login code becomes an account and a token pair. Every outcome is audited.
import { recordAudit, type AuditEvent } from '../audit'
import type { Connection } from '../config'
import { findConnection, wechatApp, type Deps } from '../deps'
import { AppError } from '../errors'
import { toAppError } from '../http/errors'
import { createSession } from '../tokens/create-session'
import type { SessionContext } from '../tokens/sessions'
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

/**
 * Issues a session and its tokens for a user who has just proved who they are. `audit`, when given, is
 * written in the session's own statement (see `audited`).
 */
export async function issueTokens(
  deps: Deps,
  user: UserRow,
  connection: Connection,
  ctx: SessionContext,
  audit?: AuditEvent,
): Promise<LoginResult> {
  if (user.status !== 'active') throw new AppError('user_blocked', 'This account is blocked.')
  const now = deps.now()
  const sessionId = deps.randomId()
  // The signature needs only the session id, so it is computed while the session is written; the token
  // is answered only if the write succeeded.
  const [{ refreshToken }, { accessToken, expiresIn }] = await Promise.all([
    createSession(
      deps.db,
      { sessionId, userId: user.id, connection: connection.id, ...ctx },
      { now, refreshTtlSeconds: deps.config.refreshTokenTtlSeconds, randomId: deps.randomId },
      audit,
    ),
    deps.accessTokens.sign({
      sub: user.id,
      sid: sessionId,
      azp: connection.id,
      aud: connection.appId,
    }),
  ])
  return { user: publicUser(user), accessToken, refreshToken, tokenType: 'Bearer', expiresIn }
}

/** The `login.succeeded` event of a login, for `issueTokens` to write with the session. */
export const loginSucceeded = (
  method: string,
  connectionId: string,
  ctx: SessionContext,
  userId: string,
  resolved: Pick<Resolved, 'created' | 'linked'>,
): AuditEvent => ({
  type: 'login.succeeded',
  userId,
  connection: connectionId,
  ip: ctx.ip,
  detail: { method, created: resolved.created, linked: resolved.linked },
})

/**
 * Runs a login, writing `login.succeeded` or `login.failed` to the audit log. A run that already wrote its
 * success event (with the session, through `issueTokens`) says so with `audited: true`.
 */
export async function audited(
  deps: Deps,
  method: string,
  connectionId: string,
  ctx: SessionContext,
  run: () => Promise<{
    result: LoginResult
    resolved: Pick<Resolved, 'created' | 'linked'>
    audited?: boolean
  }>,
): Promise<LoginResult> {
  try {
    const { result, resolved, audited } = await run()
    if (!audited)
      await recordAudit(
        deps.db,
        loginSucceeded(method, connectionId, ctx, result.user.id, resolved),
        deps.now(),
      )
    return result
  } catch (err) {
    // The code the caller is answered with (a lost database is database_unavailable, not a bug).
    const code = toAppError(err)?.code ?? 'internal_error'
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
    const event = loginSucceeded('code', connection.id, ctx, resolved.user.id, resolved)
    const result = await issueTokens(deps, resolved.user, connection, ctx, event)
    return { result, resolved, audited: true }
  })
}
