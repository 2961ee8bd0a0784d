// The legacy {encryptedData, iv} phone form, behind a cap per WeChat identity: every attempt is charged to
// the identity before decrypting and refunded once it succeeds, so concurrent requests cannot slip past the
// cap, and the counter lives in the database, so every instance counts against the same one.
import { and, eq, sql } from 'drizzle-orm'
import type { Connection } from '../config'
import { legacyPhoneFailures as failures } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { WeChatSession } from '../wechat/client'
import { decryptPhoneData, EncryptedDataRejected, type DecryptedPhone } from '../wechat/decrypt'

const WINDOW_SECONDS = 3600

/** Charges one attempt; answers the failures now in the identity's window and when that window ends. */
async function charge(deps: Deps, appid: string, openid: string, now: Date) {
  const cutoff = new Date(now.getTime() - WINDOW_SECONDS * 1000).toISOString()
  const expired = sql`${failures.windowStartedAt} <= ${cutoff}::timestamptz`
  const [row] = await deps.db
    .insert(failures)
    .values({ appid, openid, windowStartedAt: now, failures: 1 })
    .onConflictDoUpdate({
      target: [failures.appid, failures.openid],
      set: {
        failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${failures.failures} + 1 END`,
        windowStartedAt: sql`CASE WHEN ${expired} THEN ${now.toISOString()}::timestamptz ELSE ${failures.windowStartedAt} END`,
      },
    })
    .returning({ failures: failures.failures, windowStartedAt: failures.windowStartedAt })
  return { count: row!.failures, endsAt: row!.windowStartedAt.getTime() + WINDOW_SECONDS * 1000 }
}

async function refund(deps: Deps, appid: string, openid: string) {
  await deps.db
    .update(failures)
    .set({ failures: sql`GREATEST(${failures.failures} - 1, 0)` })
    .where(and(eq(failures.appid, appid), eq(failures.openid, openid)))
}

/** The number in legacy data sealed under the session's key, if this identity is still under its cap. */
export async function readLegacyPhone(
  deps: Deps,
  connection: Connection,
  session: WeChatSession,
  data: { encryptedData: string; iv: string },
): Promise<DecryptedPhone> {
  const now = deps.now()
  const cap = deps.config.legacyPhoneFailuresPerHour
  const { count, endsAt } = await charge(deps, connection.appId, session.openid, now)
  if (count > cap) {
    // Refused before decrypting, whatever the data: this answer depends on nothing but the count.
    throw new AppError(
      'rate_limited',
      'Too much rejected encrypted phone data for this WeChat user; send a phoneCode, or try again later.',
      { retryAfter: Math.max(1, Math.ceil((endsAt - now.getTime()) / 1000)) },
    )
  }
  try {
    const phone = decryptPhoneData({
      sessionKey: session.sessionKey,
      ...data,
      appId: connection.appId,
      now,
    })
    await refund(deps, connection.appId, session.openid)
    return phone
  } catch (err) {
    if (err instanceof EncryptedDataRejected)
      deps.logger.info(
        { connectionId: connection.id, reason: err.reason, failures: count },
        'legacy phone data rejected',
      )
    throw err
  }
}
