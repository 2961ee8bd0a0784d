// Logout: the caller's session ends (POST /v1/logout, Authing's /api/v2/logout). Its refresh tokens stop
// rotating and its access tokens stop passing the bearer check at once, since both read the session row
// (the bearer check through this instance's cache, which forgets the session here and hears it elsewhere).
import { recordAudit } from '../audit'
import type { Deps } from '../deps'
import type { Auth } from './authenticate'
import { revokeSession, type SessionContext } from './sessions'

/** Revokes the session and audits it in one transaction; a session already ended changes nothing. */
export async function endSession(
  deps: Pick<Deps, 'db' | 'now' | 'sessionCache'>,
  auth: Auth,
  ctx: SessionContext,
): Promise<void> {
  const now = deps.now()
  await deps.db.transaction(async (tx) => {
    const revoked = await revokeSession(tx, auth.sessionId, 'logout', now)
    if (!revoked) return
    await recordAudit(
      tx,
      {
        type: 'session.revoked',
        userId: auth.userId,
        connection: auth.connection,
        ip: ctx.ip,
        detail: { sessionId: auth.sessionId, reason: 'logout' },
      },
      now,
    )
  })
  deps.sessionCache.forgetSession(auth.sessionId)
}
