// The audit log with its filters (user id, event type), newest first, and the table the user page reuses.
import { html } from 'hono/html'
import type { listAuditEvents } from '../../admin/audit-events'
import { page, dataTable, when, type View } from '../layout'

export type AuditRow = Awaited<ReturnType<typeof listAuditEvents>>['events'][number]

export function auditTable(v: View, events: AuditRow[]) {
  const { t } = v
  if (!events.length) return html`<p class="card">${t.noEvents}</p>`
  return dataTable(
    t.audit,
    [t.time, t.type, t.user, t.connection, t.ip, t.detail],
    events.map(
      (e) =>
        html`<tr>
          <td>${when(e.createdAt)}</td>
          <td><code>${e.type}</code></td>
          <td>
            ${e.userId ? html`<a class="mono" href="/admin/users/${encodeURIComponent(e.userId)}">${e.userId}</a>` : '—'}
          </td>
          <td>${e.connection ?? '—'}</td>
          <td class="mono">${e.ip ?? '—'}</td>
          <td><code class="wrap">${e.detail ? JSON.stringify(e.detail) : ''}</code></td>
        </tr>`,
    ),
  )
}

export interface AuditFilter {
  userId?: string
  type?: string
}

export function auditPage(v: View, f: AuditFilter, events: AuditRow[], nextCursor: string | null) {
  const { t } = v
  const more = new URLSearchParams({ ...f, cursor: nextCursor ?? '' })
  return page(
    v,
    t.audit,
    html`<form class="card row" method="get" action="/admin/audit">
        <label
          >${t.userId}<input
            name="userId"
            value="${f.userId ?? ''}"
            maxlength="128"
            autocomplete="off"
        /></label>
        <label
          >${t.type}<input
            name="type"
            value="${f.type ?? ''}"
            maxlength="64"
            placeholder="user.blocked"
            list="audit-types"
            autocomplete="off"
        /></label>
        <datalist id="audit-types">
          ${['login.succeeded', 'login.failed', 'user.created', 'user.blocked', 'user.unblocked', 'user.deleted', 'session.revoked', 'signing_key.rotated', 'console.signed_in', 'console.sign_in_refused'].map((x) => html`<option value="${x}"></option>`)}
        </datalist>
        <button type="submit">${t.filter}</button>
      </form>
      ${auditTable(v, events)}
      ${nextCursor ? html`<p><a href="/admin/audit?${more}">${t.next}</a></p>` : ''}`,
  )
}
