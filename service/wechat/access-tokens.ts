// The WeChat access token of each appid, shared by every instance through `wechat_access_tokens`: fetched with
// getStableAccessToken (normal mode) by one instance at a time under an advisory lock, sealed at rest, kept in
// memory until its last five minutes, and force-refreshed within WeChat's limits when WeChat rejects it.
import { eq, sql } from 'drizzle-orm'
import type { Connection } from '../config'
import type { Sealer } from '../crypto/seal'
import type { Db } from '../db/client'
import { wechatAccessTokens } from '../db/schema'
import { AppError, isAppError } from '../errors'
import type { Logger } from '../log'
import { wechatApp, type WeChatClient } from './client'

export interface CachedToken {
  accessToken: string
  expiresAt: Date
}

export interface WeChatAccessTokens {
  /** The shared token for a connection's appid, fetched or refreshed if needed. */
  current(connection: Connection): Promise<CachedToken>
  /** Runs `call` with the token; on 'wechat_token_invalid' replaces the token once and retries once. */
  withToken<T>(connection: Connection, call: (accessToken: string) => Promise<T>): Promise<T>
}

export interface WeChatAccessTokenDeps {
  db: Db
  sealer: Sealer
  wechat: WeChatClient
  now: () => Date
  logger: Logger
}

// Normal mode hands out a new stable token only in the old one's last 5 minutes (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken), so
// refreshing earlier would just fetch the same token again.
const refreshAheadMs = 5 * 60_000
// force_refresh: "间隔至少为30s" and 20 a day (the same doc). WeChat's daily quotas follow China's calendar day, so
// the day is Asia/Shanghai's (UTC+8 all year, no daylight saving time).
const forceGapMs = 30_000
const forcesPerDay = 20
const shanghaiMs = 8 * 3600_000
const dayMs = 86_400_000

type Row = typeof wechatAccessTokens.$inferSelect
type Forced = Pick<Row, 'forcedDay' | 'forcedCount' | 'lastForcedAt'>

const shanghaiDay = (at: Date) => new Date(at.getTime() + shanghaiMs).toISOString().slice(0, 10)
const untilNextShanghaiDay = (at: Date) =>
  Math.ceil((dayMs - ((at.getTime() + shanghaiMs) % dayMs)) / 1000)
const tokenRejected = (err: unknown) => isAppError(err) && err.code === 'wechat_token_invalid'
const unavailable = (message: string, retryAfter: number, cause?: unknown) =>
  new AppError('wechat_unavailable', message, { retryAfter: Math.max(1, retryAfter), cause })

export function createWeChatAccessTokens(deps: WeChatAccessTokenDeps): WeChatAccessTokens {
  const { db, sealer, wechat, now, logger } = deps
  const memory = new Map<string, CachedToken>()
  const loading = new Map<string, Promise<CachedToken>>()
  const replacing = new Map<string, { stale: string; promise: Promise<CachedToken> }>()
  const purpose = (appid: string) => `wechat_access_token:${appid}`
  const fresh = (t: CachedToken | undefined): t is CachedToken =>
    t !== undefined && t.expiresAt.getTime() - now().getTime() > refreshAheadMs

  /** The row's token, or undefined when it cannot be opened (MASTER_KEY changed): then it is refetched. */
  function open(row: Row | undefined): CachedToken | undefined {
    if (!row) return undefined
    try {
      return {
        accessToken: sealer.open(row.tokenEnc, purpose(row.appid)),
        expiresAt: row.expiresAt,
      }
    } catch {
      logger.warn({ appid: row.appid }, 'cannot open the cached WeChat access token; fetching anew')
      return undefined
    }
  }

  const readRow = async (q: Db, appid: string) =>
    (await q.select().from(wechatAccessTokens).where(eq(wechatAccessTokens.appid, appid)))[0]

  /** One instance at a time per appid: the others wait here, then find the row already fresh. */
  const locked = <T>(appid: string, run: (tx: Db, row: Row | undefined) => Promise<T>) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`wechat_token:${appid}`}))`)
      return run(tx, await readRow(tx, appid))
    })

  async function fetchInto(tx: Db, connection: Connection, forced?: Forced): Promise<CachedToken> {
    const at = now()
    const got = await wechat.getStableAccessToken(wechatApp(connection), {
      forceRefresh: forced !== undefined,
    })
    const token = {
      accessToken: got.accessToken,
      expiresAt: new Date(at.getTime() + got.expiresIn * 1000),
    }
    const set = {
      tokenEnc: sealer.seal(token.accessToken, purpose(connection.appId)),
      expiresAt: token.expiresAt,
      fetchedAt: at,
      ...forced,
    }
    await tx
      .insert(wechatAccessTokens)
      .values({ appid: connection.appId, ...set })
      .onConflictDoUpdate({ target: wechatAccessTokens.appid, set })
    return token
  }

  async function load(connection: Connection): Promise<CachedToken> {
    const known = open(await readRow(db, connection.appId)) // usually another instance already has one
    if (fresh(known)) return known
    return locked(connection.appId, async (tx, row) => {
      const again = open(row)
      return fresh(again) ? again : fetchInto(tx, connection)
    })
  }

  /** Under the lock: someone else's replacement if there is one, else a force_refresh WeChat allows now. */
  async function force(tx: Db, connection: Connection, row: Row | undefined, stale: string) {
    const at = now()
    const stored = open(row)
    if (stored && stored.accessToken !== stale && stored.expiresAt > at) return stored
    const elapsed = row?.lastForcedAt ? at.getTime() - row.lastForcedAt.getTime() : Infinity
    if (elapsed < forceGapMs)
      throw unavailable(
        'WeChat rejected the access token, and WeChat allows one forced refresh every 30 seconds; try again shortly.',
        Math.ceil((forceGapMs - elapsed) / 1000),
      )
    const day = shanghaiDay(at)
    const count = row?.forcedDay === day ? row.forcedCount : 0
    const usedUp = () =>
      unavailable(
        `WeChat rejected the access token, and today's ${forcesPerDay} forced refreshes are used up; try again tomorrow (Asia/Shanghai).`,
        untilNextShanghaiDay(at),
      )
    if (count >= forcesPerDay) throw usedUp()
    logger.warn(
      { appid: connection.appId, forcedToday: count + 1 },
      'forcing a WeChat access token refresh',
    )
    try {
      return await fetchInto(tx, connection, {
        forcedDay: day,
        forcedCount: count + 1,
        lastForcedAt: at,
      })
    } catch (err) {
      // 45009: WeChat counted forces we did not see (another system on this appid): stop trying today,
      // and return the error rather than throw it, so that the transaction records this.
      if (!(isAppError(err) && err.details?.errcode === 45009)) throw err
      await tx
        .update(wechatAccessTokens)
        .set({ forcedDay: day, forcedCount: forcesPerDay, lastForcedAt: at })
        .where(eq(wechatAccessTokens.appid, connection.appId))
      return usedUp()
    }
  }

  /** Replaces a token WeChat rejected, once per stale token however many callers saw it rejected. */
  function replace(connection: Connection, stale: string): Promise<CachedToken> {
    const appid = connection.appId
    const cached = memory.get(appid)
    if (cached && cached.accessToken !== stale && fresh(cached)) return Promise.resolve(cached)
    const inflight = replacing.get(appid)
    if (inflight?.stale === stale) return inflight.promise
    const promise = locked(appid, (tx, row) => force(tx, connection, row, stale))
      .then((outcome) => {
        if (outcome instanceof AppError) throw outcome // thrown after the commit that recorded it
        memory.set(appid, outcome)
        return outcome
      })
      .finally(() => {
        if (replacing.get(appid)?.promise === promise) replacing.delete(appid)
      })
    replacing.set(appid, { stale, promise })
    return promise
  }

  async function current(connection: Connection): Promise<CachedToken> {
    const appid = connection.appId
    const cached = memory.get(appid)
    if (fresh(cached)) return cached
    let pending = loading.get(appid)
    if (!pending) {
      pending = load(connection)
        .then((token) => {
          memory.set(appid, token)
          return token
        })
        .finally(() => loading.delete(appid))
      loading.set(appid, pending)
    }
    return pending
  }

  return {
    current,
    async withToken(connection, call) {
      const first = await current(connection)
      try {
        return await call(first.accessToken)
      } catch (err) {
        if (!tokenRejected(err)) throw err
      }
      const second = await replace(connection, first.accessToken)
      try {
        return await call(second.accessToken)
      } catch (err) {
        if (!tokenRejected(err)) throw err
        throw unavailable(
          'WeChat rejected the access token again right after it was replaced; try again shortly.',
          30,
          err,
        )
      }
    },
  }
}
