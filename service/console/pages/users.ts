// The users page: one search box (phone, openid, unionid or nickname prefix) and the newest-first results.
import { html } from 'hono/html'
import type { PublicUser } from '../../accounts/users'
import { page, dataTable, when, type View } from '../layout'

export const searchFields = ['phone', 'openid', 'unionid', 'nickname'] as const
export type SearchField = (typeof searchFields)[number]

export interface UsersView {
  by: SearchField
  q: string
  users: PublicUser[]
  nextCursor: string | null
}

const badge = (v: View, status: string) =>
  html`<span class="badge ${status}">${status === 'blocked' ? v.t.blocked : v.t.active}</span>`

export function usersPage(v: View, r: UsersView, notice?: string) {
  const { t } = v
  const more = new URLSearchParams({ by: r.by, q: r.q, cursor: r.nextCursor ?? '' })
  const rows = r.users.map(
    (u) =>
      html`<tr>
        <td><a href="/admin/users/${encodeURIComponent(u.id)}">${u.nickname || u.id}</a></td>
        <td>${u.phone ?? '—'}</td>
        <td>${badge(v, u.status)}</td>
        <td>${when(u.createdAt)}</td>
      </tr>`,
  )
  return page(
    v,
    t.users,
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
      <form class="card row" method="get" action="/admin/users" role="search">
        <label
          >${t.searchBy}<select name="by">
            ${searchFields.map(
              (f) =>
                html`<option value="${f}" ${f === r.by ? html` selected` : ''}>${t[f]}</option>`,
            )}
          </select></label
        >
        <label
          >${t.searchFor}<input name="q" value="${r.q}" maxlength="128" autocomplete="off"
        /></label>
        <button type="submit">${t.search}</button>
      </form>
      ${
        r.users.length
          ? dataTable(t.users, [t.name, t.phone, t.status, t.created], rows)
          : html`<p class="card">${t.noUsers}</p>`
      }
      ${r.nextCursor ? html`<p><a href="/admin/users?${more}">${t.next}</a></p>` : ''}`,
  )
}

export { badge }
