// The session in wx storage under one key: {accessToken, refreshToken, expiresAt, user}. Every read goes
// to storage, so several WechatLogin instances (one per page, say) see one session.
import type { Session, Wx } from './types'

export class SessionStore {
  constructor(
    private readonly wx: Wx,
    readonly key: string,
  ) {}

  read(): Session | null {
    // getStorageSync answers '' for a missing key.
    const value = this.wx.getStorageSync(this.key) as Partial<Session> | ''
    return value && typeof value.accessToken === 'string' && typeof value.refreshToken === 'string'
      ? (value as Session)
      : null
  }

  write(session: Session): void {
    this.wx.setStorageSync(this.key, session)
  }

  clear(): void {
    this.wx.removeStorageSync(this.key)
  }
}

/** In-flight refreshes per wx and storage key: concurrent callers, even of different instances, share one. */
const inflight = new WeakMap<object, { [key: string]: Promise<Session> | undefined }>()

export function sharedRefresh(wx: Wx, key: string, run: () => Promise<Session>): Promise<Session> {
  let byKey = inflight.get(wx)
  if (!byKey) inflight.set(wx, (byKey = {}))
  const table = byKey
  const pending = table[key]
  if (pending) return pending
  const done = () => {
    table[key] = undefined
  }
  const started = run()
  table[key] = started
  started.then(done, done)
  return started
}
