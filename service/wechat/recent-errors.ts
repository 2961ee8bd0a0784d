// The last WeChat errors of this instance, for the admin console's connection health: a small bounded
// in-memory ring (per instance, gone on restart), holding our error code and WeChat's API, never a secret.
import { isAppError, type ErrorCode } from '../errors'
import type { WeChatApp, WeChatClient } from './client'

export interface WeChatErrorRecord {
  at: Date
  connection: string
  api: 'jscode2session' | 'stable_token' | 'getuserphonenumber' | 'getwxacodeunlimit'
  code: ErrorCode
}

export interface RecentWeChatErrors {
  record(entry: WeChatErrorRecord): void
  /** Newest first. */
  list(connection?: string): WeChatErrorRecord[]
}

/** Enough to see a pattern at a glance; older ones are in the logs. */
export const MAX_RECENT_WECHAT_ERRORS = 50

export function createRecentWeChatErrors(max = MAX_RECENT_WECHAT_ERRORS): RecentWeChatErrors {
  const ring: WeChatErrorRecord[] = []
  return {
    record(entry) {
      ring.push(entry)
      if (ring.length > max) ring.shift()
    },
    list: (connection) =>
      ring.filter((e) => connection === undefined || e.connection === connection).reverse(),
  }
}

/** The client, with every AppError it throws also recorded (and rethrown unchanged). */
export function recordingErrors(
  client: WeChatClient,
  recent: RecentWeChatErrors,
  now: () => Date,
): WeChatClient {
  const watch =
    <A extends unknown[], R>(api: WeChatErrorRecord['api'], fn: (app: WeChatApp, ...a: A) => R) =>
    async (app: WeChatApp, ...args: A): Promise<Awaited<R>> => {
      try {
        return await fn(app, ...args)
      } catch (err) {
        if (isAppError(err))
          recent.record({ at: now(), connection: app.connectionId, api, code: err.code })
        throw err
      }
    }
  return {
    code2Session: watch('jscode2session', client.code2Session),
    getStableAccessToken: watch('stable_token', client.getStableAccessToken),
    getPhoneNumber: watch('getuserphonenumber', client.getPhoneNumber),
    getUnlimitedQrCode: watch('getwxacodeunlimit', client.getUnlimitedQrCode),
    close: () => client.close(),
  }
}
