// The web page's side of a QR login (RFC 8628's device polling): only the poll token's holder learns the
// state, no faster than the interval, and collects the login once: claiming it and issuing its tokens.
import { and, eq, isNull, lte, or } from 'drizzle-orm'
import { hashToken, safeEqual } from '../crypto/random'
import { qrLogins, users } from '../db/schema'
import { findConnection, type Deps } from '../deps'
import { AppError } from '../errors'
import { issueTokens, type LoginResult } from '../accounts/login'
import type { SessionContext } from '../tokens/sessions'

export type PollAnswer =
  | { status: 'pending'; expiresIn: number }
  | {
      status: 'scanned'
      expiresIn: number
      scanner: { nickname: string | null; avatar: string | null }
    }
  | ({ status: 'confirmed' } & LoginResult)
  | { status: 'cancelled' }
  | { status: 'expired' }

const notFound = () => new AppError('qr_login_not_found', 'There is no such QR login.')

export async function pollQrLogin(
  deps: Deps,
  id: string,
  pollToken: string,
  input: { origin?: string } & SessionContext,
): Promise<PollAnswer> {
  const [row] = await deps.db.select().from(qrLogins).where(eq(qrLogins.id, id))
  if (!row) throw notFound()
  if (!safeEqual(hashToken(pollToken), row.pollTokenHash))
    throw new AppError('poll_token_invalid', 'This poll token is not the one for this QR login.')
  const connection = findConnection(deps.config, row.connection)
  if (input.origin !== undefined && !connection.webOrigins.includes(input.origin))
    throw new AppError('origin_not_allowed', 'This origin may not use this QR login.')
  const now = deps.now()
  const intervalMs = deps.config.qrLoginIntervalSeconds * 1000
  // The conditional write is the rate check: of two polls at once, only one passes.
  const [polled] = await deps.db
    .update(qrLogins)
    .set({ lastPolledAt: now })
    .where(
      and(
        eq(qrLogins.id, id),
        or(
          isNull(qrLogins.lastPolledAt),
          lte(qrLogins.lastPolledAt, new Date(now.getTime() - intervalMs)),
        ),
      ),
    )
    .returning()
  if (!polled) {
    const last = row.lastPolledAt?.getTime() ?? now.getTime()
    const wait = Math.max(1, Math.ceil((last + intervalMs - now.getTime()) / 1000))
    throw new AppError('slow_down', `Poll at most every ${intervalMs / 1000} seconds.`, {
      retryAfter: wait,
      details: { interval: intervalMs / 1000 },
    })
  }
  const expiresIn = Math.ceil((polled.expiresAt.getTime() - now.getTime()) / 1000)
  if (polled.status === 'cancelled') return { status: 'cancelled' }
  if (polled.status === 'delivered')
    throw new AppError('qr_login_used', 'This login has already been collected.')
  if (expiresIn <= 0) return { status: 'expired' }
  if (polled.status === 'pending') return { status: 'pending', expiresIn }
  if (polled.status === 'scanned') {
    const [scanner] = await deps.db
      .select({ nickname: users.nickname, avatar: users.avatar })
      .from(users)
      .where(eq(users.id, polled.scannedBy!))
    return { status: 'scanned', expiresIn, scanner: scanner ?? { nickname: null, avatar: null } }
  }
  return { status: 'confirmed', ...(await deliver(deps, id, connection.id, input)) }
}

/**
 * Claims the confirmed login (once: a second claimant matches nothing) and issues a web session for the
 * person who confirmed it. Should issuing fail, the claim is handed back so that the next poll can retry.
 */
async function deliver(
  deps: Deps,
  id: string,
  connectionId: string,
  ctx: SessionContext,
): Promise<LoginResult> {
  const sessionId = deps.randomId()
  const [claimed] = await deps.db
    .update(qrLogins)
    .set({ status: 'delivered', sessionId })
    .where(and(eq(qrLogins.id, id), eq(qrLogins.status, 'confirmed')))
    .returning({ userId: qrLogins.scannedBy })
  if (!claimed?.userId)
    throw new AppError('qr_login_used', 'This login has already been collected.')
  try {
    return await issueWebTokens(deps, {
      userId: claimed.userId,
      connectionId,
      sessionId,
      qrLoginId: id,
      ctx,
    })
  } catch (err) {
    await deps.db
      .update(qrLogins)
      .set({ status: 'confirmed', sessionId: null })
      .where(and(eq(qrLogins.id, id), eq(qrLogins.sessionId, sessionId)))
      .catch((e: unknown) => deps.logger.warn({ err: e }, 'could not release a QR login claim'))
    throw err
  }
}

interface WebSession {
  userId: string
  connectionId: string
  sessionId: string
  qrLoginId: string
  ctx: SessionContext
}

async function issueWebTokens(deps: Deps, web: WebSession): Promise<LoginResult> {
  const { userId, connectionId, sessionId, qrLoginId, ctx } = web
  const connection = findConnection(deps.config, connectionId)
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId))
  if (!user) throw notFound()
  if (user.status !== 'active') throw new AppError('user_blocked', 'This account is blocked.')
  return issueTokens(deps, {
    user,
    connection,
    ctx,
    sessionId,
    client: 'web',
    audit: {
      type: 'login.succeeded',
      userId,
      connection: connection.id,
      ip: ctx.ip,
      detail: { method: 'qr', qrLoginId, sessionId, client: 'web' },
    },
  })
}
