// Authing's refreshToken: a new access token for the bearer's own session, within the session's life. Its
// SDK has no refresh token, so only sessions made through the Authing routes may renew this way: for any
// other, a leaked access token would otherwise renew itself for as long as the session lives.
import { recordAudit } from '../audit'
import { findConnection, type Deps } from '../deps'
import { AppError } from '../errors'
import { sessionClaims, type SignedAccessToken } from './access-token'
import { findSession, refuseUnlessLive, type Auth } from './authenticate'
import type { SessionContext } from './sessions'

export async function renewAccessToken(
  deps: Pick<Deps, 'db' | 'now' | 'config' | 'accessTokens'>,
  auth: Auth,
  ctx: SessionContext,
): Promise<SignedAccessToken> {
  const now = deps.now()
  const session = await findSession(deps.db, auth.sessionId)
  refuseUnlessLive(session, now)
  if (session.source !== 'authing')
    throw new AppError(
      'token_invalid',
      'Only sessions that logged in through the Authing routes renew with refreshToken; use POST /v1/token.',
    )
  const connection = findConnection(deps.config, auth.connection)
  const signed = await deps.accessTokens.sign(sessionClaims({ ...auth, connection }))
  await recordAudit(
    deps.db,
    {
      type: 'token.refreshed',
      userId: auth.userId,
      connection: connection.id,
      ip: ctx.ip,
      detail: { sessionId: auth.sessionId, via: 'authing' },
    },
    now,
  )
  return signed
}
