// The live sessions and profiles this instance has read, kept in memory so that the bearer check and
// GET /v1/me need no database round trip, while logout, blocking and deletion still count at once on every
// instance. The database says when an entry may no longer be true: triggers (migration 0007) notify the
// channel `wls_session_changes` at commit, whichever code path or process made the change, and every
// instance LISTENs on it (db/client.ts). What this instance changes itself it forgets at once, before the
// notification arrives (forgetUser/forgetSession in the domain functions that revoke, block, delete or edit).
//
// A user import notifies '*' once per batch instead of a row each: everything is forgotten.
//
// An entry is answered only while the channel vouches for it: on PostgreSQL, the listener sends itself a
// ping every second, and a ping coming back proves that every notification committed before it was sent has
// arrived (the channel delivers in commit order). When no ping has come back for `staleAfterMs`, or the
// listener's connection closes, the cache is emptied and every request reads the database until the
// listener is back (and has proved it with a ping). So a lost channel degrades to the database: a notification
// can be missed for at most `staleAfterMs`, the bound docs/tokens.md states. PGlite runs in this process and
// delivers notifications with the statement's own result: nothing to vouch for.
//
// A read that started before a change and finishes after its notification must not store what it read:
// every notification moves `epoch`, and an entry is stored only if the epoch has not moved since its read
// began (`ticket()`). Entries also expire after `ttlMs`, which bounds how far a profile's loginCount and
// lastLoginAt (a returning login changes them without notifying) can lag a login made on another instance.
import { performance } from 'node:perf_hooks'
import type { Listener, ListenerEvents } from '../db/client'

/** The channel the triggers notify (migration 0007_session_notify). */
export const SESSION_CHANNEL = 'wls_session_changes'

/** A session as the bearer check needs it; only live sessions of active users are kept. */
export interface CachedSession {
  userId: string
  revokedAt: null
  expiresAt: Date
  source: string
  userStatus: string
}

export interface SessionCacheOptions {
  /** Entries of each kind kept at most; 0 turns the cache off. */
  maxEntries: number
  ttlMs: number
  /** PostgreSQL: how often the listener pings itself. @default 1000 */
  heartbeatMs?: number
  /** PostgreSQL: how long after the last ping came back entries are still answered. @default 3000 */
  staleAfterMs?: number
  /** Monotonic milliseconds (tests may move it). */
  clock?: () => number
}

interface Entry<T> {
  value: T
  userId: string
  storedAt: number
}

export interface SessionCacheStats {
  hits: number
  misses: number
  invalidations: number
  /** Times the cache was emptied: the channel was lost or silent, or an import rewrote users. */
  resets: number
  trusted: boolean
}

/** P: the profile as GET /v1/me answers it (accounts/profile.ts), opaque here. */
export interface SessionCache<P = unknown> {
  /** The epoch to pass to `remember*` from a read that starts now. */
  ticket(): number
  session(sessionId: string, now: Date): CachedSession | undefined
  rememberSession(sessionId: string, value: CachedSession, ticket: number): void
  profile(userId: string): P | undefined
  rememberProfile(userId: string, value: P, ticket: number): void
  /** This instance changed the user (or ended their sessions): drop what it holds of them. */
  forgetUser(userId: string): void
  forgetSession(sessionId: string): void
  /** Drop everything (e.g. after an import rewrote many users). */
  forgetAll(): void
  stats(): SessionCacheStats
  close(): Promise<void>
}

/**
 * A bounded map (the oldest insertion goes first) that also finds its keys by user: a notification about a
 * user drops that user's entries without a scan, even when an import sends thousands at once.
 */
class Bounded<T> {
  private map = new Map<string, Entry<T>>()
  private byUser = new Map<string, Set<string>>()
  constructor(private max: number) {}
  get size() {
    return this.map.size
  }
  get(key: string) {
    return this.map.get(key)
  }
  set(key: string, entry: Entry<T>) {
    this.delete(key)
    this.map.set(key, entry)
    let keys = this.byUser.get(entry.userId)
    if (!keys) this.byUser.set(entry.userId, (keys = new Set()))
    keys.add(key)
    if (this.map.size > this.max) this.delete(this.map.keys().next().value!)
  }
  delete(key: string) {
    const entry = this.map.get(key)
    if (!entry) return
    this.map.delete(key)
    const keys = this.byUser.get(entry.userId)!
    keys.delete(key)
    if (keys.size === 0) this.byUser.delete(entry.userId)
  }
  deleteUser(userId: string) {
    for (const key of this.byUser.get(userId) ?? []) this.map.delete(key)
    this.byUser.delete(userId)
  }
  clear() {
    this.map.clear()
    this.byUser.clear()
  }
}

export function createSessionCache<P = unknown>(
  listen: (onMessage: (payload: string) => void, events: ListenerEvents) => Promise<Listener>,
  o: SessionCacheOptions,
): SessionCache<P> {
  const clock = o.clock ?? (() => performance.now())
  const { heartbeatMs = 1000, staleAfterMs = 3000 } = o
  const sessions = new Bounded<CachedSession>(o.maxEntries)
  const profiles = new Bounded<P>(o.maxEntries)
  const instance = Math.random().toString(36).slice(2, 10)
  const stats = { hits: 0, misses: 0, invalidations: 0, resets: 0 }
  let epoch = 0
  /** When the last ping that came back was sent; undefined while the listener is down. */
  let vouchedAt: number | undefined
  /** PGlite: the channel cannot be lost. */
  let alwaysTrusted = false
  let closed = false
  let listener: Listener | undefined
  let heartbeat: NodeJS.Timeout | undefined

  function reset() {
    epoch++
    if (sessions.size || profiles.size) stats.resets++
    sessions.clear()
    profiles.clear()
  }

  function trusted() {
    if (o.maxEntries <= 0 || closed) return false
    if (alwaysTrusted) return true
    if (vouchedAt === undefined) return false
    if (clock() - vouchedAt <= staleAfterMs) return true
    // Silent: whatever arrived may not be everything. Start over once a ping comes back.
    vouchedAt = undefined
    reset()
    return false
  }

  function forgetUser(userId: string) {
    epoch++
    stats.invalidations++
    profiles.deleteUser(userId)
    sessions.deleteUser(userId)
  }

  function forgetSession(sessionId: string) {
    epoch++
    stats.invalidations++
    sessions.delete(sessionId)
  }

  function onMessage(payload: string) {
    if (payload === '*') reset()
    else if (payload.startsWith('s:')) forgetSession(payload.slice(2))
    else if (payload.startsWith('u:')) forgetUser(payload.slice(2))
    else if (payload.startsWith(`ping:${instance}:`)) {
      const sentAt = Number(payload.slice(`ping:${instance}:`.length))
      if (vouchedAt === undefined) reset() // back after a loss: what is held may have missed changes
      vouchedAt = Math.max(vouchedAt ?? sentAt, sentAt)
    }
  }

  const ping = () => {
    if (!listener?.ping) return
    listener.ping(`ping:${instance}:${clock()}`).catch(() => {
      // The connection is failing: its close (onDown) or the silence bound takes the cache out.
    })
  }

  const ready =
    o.maxEntries > 0
      ? listen(onMessage, {
          // Subscribed (again): trust starts with the first ping that comes back.
          onUp: ping,
          onDown() {
            vouchedAt = undefined
            reset()
          },
        }).then((l) => {
          listener = l
          if (!l.ping) alwaysTrusted = true
          else {
            ping()
            heartbeat = setInterval(ping, heartbeatMs)
            heartbeat.unref()
          }
        })
      : Promise.resolve()
  // A listener that cannot start leaves the cache untrusted: every call reads the database.
  ready.catch(() => {})

  /** An entry still answered: the channel vouches for it, it is younger than ttlMs and `live` holds. */
  function lookup<T>(map: Bounded<T>, key: string, live: (value: T) => boolean = () => true) {
    if (!trusted()) return undefined
    const entry = map.get(key)
    if (entry === undefined || clock() - entry.storedAt > o.ttlMs || !live(entry.value)) {
      stats.misses++
      return undefined
    }
    stats.hits++
    return entry.value
  }

  /** Keeps what a read found, unless a change was announced since the read began (`ticket`). */
  function store<T>(map: Bounded<T>, key: string, value: T, userId: string, ticket: number) {
    if (ticket !== epoch || !trusted()) return
    map.set(key, { value, userId, storedAt: clock() })
  }

  return {
    ticket: () => epoch,
    // A session past its own end is never answered from memory: the database says why it ended.
    session: (sessionId, now) => lookup(sessions, sessionId, (s) => s.expiresAt > now),
    rememberSession: (sessionId, value, ticket) =>
      store(sessions, sessionId, value, value.userId, ticket),
    profile: (userId) => lookup(profiles, userId),
    rememberProfile: (userId, value, ticket) => store(profiles, userId, value, userId, ticket),
    forgetUser,
    forgetSession,
    forgetAll: reset,
    stats: () => ({ ...stats, trusted: trusted() }),
    async close() {
      closed = true
      clearInterval(heartbeat)
      await ready.catch(() => {})
      await listener?.close()
      reset()
    },
  }
}
