// Silent login: a wx.login code becomes an account and a token pair. Every outcome is audited.
import { recordAudit, type AuditEvent } from '../audit'
import type { Connection } from '../config'
import { hashToken, randomToken } from '../crypto/random'
import { isForeignKeyViolation, toAppError } from '../db/errors'
import { findConnection, type Deps } from '../deps'
import { wechatApp } from '../wechat/client'
import { AppError } from '../errors'
import { sessionClaims } from '../tokens/access-token'
import { createSession, type SessionSource } from '../tokens/create-session'
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
  /** Which API is logging in: only Authing's sessions renew through its refreshToken mutation. */
  source?: SessionSource
}

export interface IssueInput {
  user: UserRow
  connection: Connection
  ctx: SessionContext
  /** The login's success event, written in the session's own statement: no session exists without it. */
  audit: AuditEvent
  source?: SessionSource
  /** 'web' for a browser's session from a QR login: a column of the session and a claim of its tokens. */
  client?: 'web'
  /** The session's id when the caller has already chosen it. */
  sessionId?: string
}

/** Issues a session and its tokens for a user who has just proved who they are. */
export async function issueTokens(deps: Deps, input: IssueInput): Promise<LoginResult> {
  const { user, connection, ctx } = input
  if (user.status !== 'active') throw new AppError('user_blocked', 'This account is blocked.')
  const now = deps.now()
  const sessionId = input.sessionId ?? deps.randomId()
  const { client } = input
  // The signature needs only the session id, so it is computed while the session is written; the token
  // is answered only if the write succeeded.
  const [{ refreshToken }, { accessToken, expiresIn }] = await Promise.all([
    createSession(
      deps.db,
      {
        sessionId,
        userId: user.id,
        connection: connection.id,
        source: input.source,
        client,
        ...ctx,
      },
      {
        now,
        // A session's first stretch already ends at its absolute end when that is the shorter.
        refreshTtlSeconds: firstStretchSeconds(deps.config),
        randomId: deps.randomId,
      },
      input.audit,
    ).catch((err: unknown) => {
      // The user was deleted between finding the account and writing the session.
      if (isForeignKeyViolation(err))
        throw new AppError('user_not_found', 'The account was deleted while logging in.')
      throw err
    }),
    deps.accessTokens.sign(sessionClaims({ userId: user.id, sessionId, connection, client })),
  ])
  return { user: publicUser(user), accessToken, refreshToken, tokenType: 'Bearer', expiresIn }
}

export interface LoginAttempt {
  /** 'code' or 'phone'. */
  method: string
  connection: string
  ctx: SessionContext
}

/** The `login.succeeded` event of a login, for `issueTokens` to write with the session. */
export const loginSucceeded = (
  attempt: LoginAttempt,
  userId: string,
  resolved: Pick<Resolved, 'created' | 'linked'>,
): AuditEvent => ({
  type: 'login.succeeded',
  userId,
  connection: attempt.connection,
  ip: attempt.ctx.ip,
  detail: { method: attempt.method, created: resolved.created, linked: resolved.linked },
})

/** Runs a login; a failure is written to the audit log as `login.failed` with the code the caller gets. */
export async function auditFailure(
  deps: Deps,
  attempt: LoginAttempt,
  run: () => Promise<LoginResult>,
): Promise<LoginResult> {
  try {
    return await run()
  } catch (err) {
    // The code the caller is answered with (a lost database is database_unavailable, not a bug).
    const code = toAppError(err)?.code ?? 'internal_error'
    await recordAudit(
      deps.db,
      {
        type: 'login.failed',
        connection: attempt.connection.slice(0, 64),
        ip: attempt.ctx.ip,
        detail: { method: attempt.method, code },
      },
      deps.now(),
    ).catch((auditErr: unknown) =>
      deps.logger.warn({ err: auditErr }, 'could not audit a failed login'),
    )
    throw err
  }
}

/**
 * A code login: one statement finds or creates the account and opens its session (identities.ts), then the
 * access token is signed for it. Phone and QR logins open theirs through `issueTokens`.
 */
export async function loginWithCode(deps: Deps, input: LoginInput): Promise<LoginResult> {
  const ctx = { ip: input.ip, userAgent: input.userAgent }
  const attempt = { method: 'code', connection: input.connection, ctx }
  return auditFailure(deps, attempt, async () => {
    const connection = findConnection(deps.config, input.connection)
    const session = await deps.wechat.code2Session(wechatApp(connection), input.code)
    const now = deps.now()
    const sessionId = deps.randomId()
    const refreshToken = randomToken()
    const resolved = await resolveIdentity(deps.db, connection, session, {
      now,
      randomId: deps.randomId,
      sessionKeyEnc: deps.sealer.seal(session.sessionKey, 'session_key'),
      allowCreate: !connection.loginOnly,
      session: {
        id: sessionId,
        source: input.source ?? 'native',
        expiresAt: new Date(now.getTime() + firstStretchSeconds(deps.config) * 1000),
        tokenHash: hashToken(refreshToken),
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent?.slice(0, 512) ?? null,
      },
    })
    const { user } = resolved
    const { accessToken, expiresIn } = await deps.accessTokens.sign(
      sessionClaims({ userId: user.id, sessionId, connection }),
    )
    return { user: publicUser(user), accessToken, refreshToken, tokenType: 'Bearer', expiresIn }
  })
}

/** A session's first stretch: the refresh token's lifetime, unless the session's absolute end is sooner. */
const firstStretchSeconds = (config: Deps['config']) =>
  Math.min(config.refreshTokenTtlSeconds, config.sessionMaxLifetimeSeconds)
