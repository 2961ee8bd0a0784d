// Each connection's health for the admin console: its settings that change what users see (Login Only
// Mode, QR login), the shared WeChat access token's state and expiry (never the token itself), and this
// instance's recent WeChat errors.
import { inArray } from 'drizzle-orm'
import { wechatAccessTokens } from '../db/schema'
import type { Deps } from '../deps'

export type TokenState = 'none' | 'valid' | 'expired'

export async function connectionHealth(deps: Pick<Deps, 'db' | 'config' | 'now' | 'wechatErrors'>) {
  const { connections } = deps.config
  const now = deps.now()
  const rows = await deps.db
    .select({
      appid: wechatAccessTokens.appid,
      expiresAt: wechatAccessTokens.expiresAt,
      fetchedAt: wechatAccessTokens.fetchedAt,
    })
    .from(wechatAccessTokens)
    .where(
      inArray(
        wechatAccessTokens.appid,
        connections.map((c) => c.appId),
      ),
    )
  const byAppId = new Map(rows.map((r) => [r.appid, r]))
  return connections.map((c) => {
    const token = byAppId.get(c.appId)
    const state: TokenState = !token ? 'none' : token.expiresAt > now ? 'valid' : 'expired'
    return {
      id: c.id,
      appId: c.appId,
      loginOnly: c.loginOnly,
      qrLogin: !!c.qrLoginPage,
      accessToken: {
        state,
        expiresAt: token?.expiresAt ?? null,
        fetchedAt: token?.fetchedAt ?? null,
      },
      recentErrors: deps.wechatErrors.list(c.id),
    }
  })
}
