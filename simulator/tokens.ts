// Access tokens as WeChat issues them: the stable token's normal and forced modes (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken) and /cgi-bin/token's
// "latest plus the previous one for 5 minutes"
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html). The two kinds never affect each other.
import { WxError, newAccessToken } from './wire'

const lifetimeMs = 7200_000 // "expires_in":7200
const overlapMs = 300_000 // old and new both work for 5 minutes
const forceGapMs = 30_000 // "间隔至少为30s，否则不会刷新"
const forcePerDay = 20
const beijingOffsetMs = 8 * 3600_000 // daily quotas follow China's calendar day

interface TokenRecord {
  appId: string
  kind: 'stable' | 'basic'
  expiresAt: number
  /** From this instant the token answers 40001 (replaced or invalidated); Infinity while current. */
  invalidFrom: number
}

interface AppSlot {
  stable?: string
  basic?: string
  basicPrevious?: string
  lastForceAt?: number
  forceDay?: number
  forceCount: number
}

export interface IssuedToken {
  access_token: string
  expires_in: number
}

export class TokenStore {
  private readonly records = new Map<string, TokenRecord>()
  private readonly slots = new Map<string, AppSlot>()

  constructor(private readonly now: () => number) {}

  /** POST /cgi-bin/stable_token. */
  stable(appId: string, forceRefresh: boolean): IssuedToken {
    const t = this.now()
    const slot = this.slot(appId)
    const current = slot.stable === undefined ? undefined : this.records.get(slot.stable)
    const usable = current !== undefined && t < Math.min(current.invalidFrom, current.expiresAt)
    if (forceRefresh) {
      // A second force within 30 s "不会刷新": the current token comes back unchanged.
      if (usable && slot.lastForceAt !== undefined && t - slot.lastForceAt < forceGapMs)
        return this.answer(slot.stable!, current, t)
      const day = Math.floor((t + beijingOffsetMs) / 86400_000)
      if (slot.forceDay !== day) Object.assign(slot, { forceDay: day, forceCount: 0 })
      if (slot.forceCount >= forcePerDay) throw new WxError(45009) // [observed] over 20/day
      slot.forceCount++
      slot.lastForceAt = t
      if (current) current.invalidFrom = Math.min(current.invalidFrom, t) // forcing invalidates the previous
      return this.issue(appId, 'stable', t)
    }
    // Normal mode: the same token until its last 5 minutes; the old one then lives out its own expiry.
    if (usable && t < current.expiresAt - overlapMs) return this.answer(slot.stable!, current, t)
    return this.issue(appId, 'stable', t)
  }

  /** GET /cgi-bin/token: every fetch replaces the previous token, which keeps working 5 more minutes. */
  basic(appId: string): IssuedToken {
    const t = this.now()
    const slot = this.slot(appId)
    this.invalidate(slot.basicPrevious, t)
    this.invalidate(slot.basic, t + overlapMs)
    slot.basicPrevious = slot.basic
    return this.issue(appId, 'basic', t)
  }

  /** The appid a token belongs to, or the call-site errcode: 41001 missing, 40001 invalid/not latest, 42001 expired. */
  check(token: string | undefined): string {
    if (!token) throw new WxError(41001)
    const record = this.records.get(token)
    if (!record) throw new WxError(40001)
    if (this.now() >= Math.min(record.invalidFrom, record.expiresAt))
      throw new WxError(record.invalidFrom <= record.expiresAt ? 40001 : 42001)
    return record.appId
  }

  /** Control API: every stable token of the app answers 40001 from now on. */
  invalidateStable(appId: string): void {
    const t = this.now()
    for (const [token, record] of this.records)
      if (record.appId === appId && record.kind === 'stable') this.invalidate(token, t)
    this.slot(appId).stable = undefined
  }

  clear(): void {
    this.records.clear()
    this.slots.clear()
  }

  private issue(appId: string, kind: TokenRecord['kind'], t: number): IssuedToken {
    const token = newAccessToken()
    const record = { appId, kind, expiresAt: t + lifetimeMs, invalidFrom: Infinity }
    this.records.set(token, record)
    this.slot(appId)[kind] = token
    return this.answer(token, record, t)
  }

  private answer(token: string, record: TokenRecord, t: number): IssuedToken {
    return { access_token: token, expires_in: Math.floor((record.expiresAt - t) / 1000) }
  }

  private invalidate(token: string | undefined, from: number) {
    const record = token === undefined ? undefined : this.records.get(token)
    if (record) record.invalidFrom = Math.min(record.invalidFrom, from)
  }

  private slot(appId: string): AppSlot {
    let slot = this.slots.get(appId)
    if (!slot) this.slots.set(appId, (slot = { forceCount: 0 }))
    return slot
  }
}
