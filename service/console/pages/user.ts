// One user: profile, WeChat identities, sessions, their audit trail, and the operator's actions. Delete
// goes through a confirmation page that names the user.
import { html } from 'hono/html'
import type { readUser } from '../../admin/user-detail'
import { csrfField, page, dataTable, when, type View } from '../layout'
import { auditTable, type AuditRow } from './audit'
import { badge } from './users'

export type UserDetail = Awaited<ReturnType<typeof readUser>>

/** How the confirmation and the headings name a user: nickname, phone, then the id. */
export const displayName = (u: Pick<UserDetail, 'id' | 'nickname' | 'phone'>) =>
  u.nickname || u.phone || u.id

const action = (v: View, u: UserDetail, path: string, label: string, extra = html``, cls = '') =>
  html`<form class="inline" method="post" action="/admin/users/${encodeURIComponent(u.id)}/${path}">
    ${csrfField(v)}${extra}<button type="submit" class="${cls}">${label}</button>
  </form>`

export function userPage(v: View, u: UserDetail, events: AuditRow[], notice?: string) {
  const { t } = v
  const status = u.status === 'blocked' ? 'active' : 'blocked'
  const statusField = html`<input type="hidden" name="status" value="${status}" />`
  return page(
    v,
    displayName(u),
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
      <section class="card" aria-labelledby="profile">
        <h2 id="profile">${t.user}</h2>
        <dl class="facts">
          <dt>ID</dt>
          <dd class="mono">${u.id}</dd>
          <dt>${t.name}</dt>
          <dd>${u.nickname || '—'}</dd>
          <dt>${t.phone}</dt>
          <dd>${u.phone ?? '—'}</dd>
          <dt>${t.status}</dt>
          <dd>${badge(v, u.status)}</dd>
          <dt>${t.created}</dt>
          <dd>${when(u.createdAt)}</dd>
        </dl>
        <h2>${t.actions}</h2>
        <div class="actions">
          ${action(v, u, 'status', u.status === 'blocked' ? t.unblock : t.block, statusField, 'secondary')}
          ${action(v, u, 'sessions/revoke', t.revokeSessions, html``, 'secondary')}
          <a class="button danger" href="/admin/users/${encodeURIComponent(u.id)}/delete"
            >${t.delete}</a
          >
        </div>
      </section>
      <h2>${t.identities}</h2>
      ${dataTable(
        t.identities,
        [t.connection, t.appId, 'openid', 'unionid', t.created],
        u.identities.map(
          (i) =>
            html`<tr>
              <td>${i.connection}</td>
              <td class="mono">${i.appId}</td>
              <td class="mono">${i.openid}</td>
              <td class="mono">${i.unionid ?? '—'}</td>
              <td>${when(i.createdAt)}</td>
            </tr>`,
        ),
      )}
      <h2>${t.sessions}</h2>
      ${dataTable(
        t.sessions,
        [t.connection, t.created, t.expires, t.live, t.revoked, t.ip],
        u.sessions.map(
          (s) =>
            html`<tr>
              <td>${s.connection}</td>
              <td>${when(s.createdAt)}</td>
              <td>${when(s.expiresAt)}</td>
              <td>${s.active ? t.yes : t.no}</td>
              <td>${s.revokedAt ? html`${when(s.revokedAt)} (${s.revokedReason ?? ''})` : '—'}</td>
              <td class="mono">${s.ip ?? '—'}</td>
            </tr>`,
        ),
      )}
      <h2>${t.auditTrail}</h2>
      ${auditTable(v, events)}`,
  )
}

export function deletePage(v: View, u: UserDetail) {
  const { t } = v
  const name = displayName(u)
  return page(
    v,
    t.deleteTitle,
    html`<section class="card">
      <p><strong>${name}</strong> <span class="mono">${u.id}</span></p>
      <p>${t.deleteWarning}</p>
      <div class="actions">
        <form class="inline" method="post" action="/admin/users/${encodeURIComponent(u.id)}/delete">
          ${csrfField(v)}
          <button type="submit" class="danger">${t.deleteConfirm.replace('{name}', name)}</button>
        </form>
        <a class="button secondary" href="/admin/users/${encodeURIComponent(u.id)}">${t.cancel}</a>
      </div>
    </section>`,
  )
}
