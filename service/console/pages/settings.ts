// Signing keys (with rotation), each connection's health, and the place of webhook deliveries.
import { html } from 'hono/html'
import type { connectionHealth } from '../../admin/connection-health'
import type { listSigningKeys } from '../../admin/signing-keys'
import { csrfField, page, dataTable, when, type View } from '../layout'

type Key = Awaited<ReturnType<typeof listSigningKeys>>[number]
type Health = Awaited<ReturnType<typeof connectionHealth>>[number]

export function keysPage(v: View, keys: Key[], notice?: string) {
  const { t } = v
  return page(
    v,
    t.keys,
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
      <section class="card">
        <p>${t.rotateIntro}</p>
        <form method="post" action="/admin/keys/rotate">
          ${csrfField(v)}<button type="submit">${t.rotate}</button>
        </form>
      </section>
      ${dataTable(
        t.keys,
        [t.kid, t.alg, t.created, t.retired],
        keys.map(
          (k) =>
            html`<tr>
              <td class="mono">${k.kid}</td>
              <td>${k.alg}</td>
              <td>${when(k.createdAt)}</td>
              <td>
                ${k.retiredAt ? when(k.retiredAt) : html`<span class="badge valid">${t.current}</span>`}
              </td>
            </tr>`,
        ),
      )}`,
  )
}

const tokenState = (v: View, h: Health) => {
  const label = { none: v.t.tokenNone, valid: v.t.tokenValid, expired: v.t.tokenExpired }
  return html`<span class="badge ${h.accessToken.state}">${label[h.accessToken.state]}</span>`
}

export function connectionsPage(v: View, health: Health[]) {
  const { t } = v
  return page(
    v,
    t.connections,
    html`${health.map(
      (h) =>
        html`<section class="card" aria-labelledby="c-${h.id}">
          <h2 id="c-${h.id}">${h.id}</h2>
          <dl class="facts">
            <dt>${t.appId}</dt>
            <dd class="mono">${h.appId}</dd>
            <dt>${t.loginOnly}</dt>
            <dd>${h.loginOnly ? t.yes : t.no}</dd>
            <dt>${t.qrLogin}</dt>
            <dd>${h.qrLogin ? t.yes : t.no}</dd>
            <dt>${t.accessToken}</dt>
            <dd>
              ${tokenState(v, h)}
              ${h.accessToken.expiresAt ? html`${t.expires} ${when(h.accessToken.expiresAt)}` : ''}
            </dd>
            <dt>${t.fetched}</dt>
            <dd>${when(h.accessToken.fetchedAt)}</dd>
          </dl>
          <h3>${t.recentErrors}</h3>
          ${
            h.recentErrors.length
              ? dataTable(
                  `${h.id}: ${t.recentErrors}`,
                  [t.time, t.api, t.code],
                  h.recentErrors.map(
                    (e) =>
                      html`<tr>
                        <td>${when(e.at)}</td>
                        <td><code>${e.api}</code></td>
                        <td><code>${e.code}</code></td>
                      </tr>`,
                  ),
                )
              : html`<p class="muted">${t.noErrors}</p>`
          }
        </section>`,
    )}`,
  )
}
