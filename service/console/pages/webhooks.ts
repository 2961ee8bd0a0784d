// Webhook deliveries: the outbox newest first, filtered by status, and a retry form on each failed one.
import { html } from 'hono/html'
import type { listWebhookDeliveries } from '../../admin/webhook-deliveries'
import { deliveryStatuses } from '../../admin/webhook-deliveries'
import { csrfField, dataTable, page, when, type View } from '../layout'

type Deliveries = Awaited<ReturnType<typeof listWebhookDeliveries>>
export type DeliveryStatus = (typeof deliveryStatuses)[number]

export function webhooksPage(
  v: View,
  status: DeliveryStatus | undefined,
  { deliveries, nextCursor }: Deliveries,
  notice?: string,
) {
  const { t } = v
  const more = new URLSearchParams({ ...(status ? { status } : {}), cursor: nextCursor ?? '' })
  const retry = (id: string) =>
    html`<form method="post" action="/admin/webhooks/${encodeURIComponent(id)}/retry">
      ${csrfField(v)}<button type="submit" class="secondary">${t.retry}</button>
    </form>`
  return page(
    v,
    t.webhooks,
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
      <form class="card row" method="get" action="/admin/webhooks">
        <p class="muted">${t.webhooksIntro}</p>
        <label
          >${t.status}<select name="status">
            <option value="">${t.all}</option>
            ${deliveryStatuses.map(
              (s) => html`<option value="${s}" ${s === status ? 'selected' : ''}>${t[s]}</option>`,
            )}
          </select></label
        >
        <button type="submit">${t.filter}</button>
      </form>
      ${
        deliveries.length
          ? dataTable(
              t.webhooks,
              [t.created, t.type, t.endpoint, t.status, t.attempts, t.nextAttempt, t.lastError, ''],
              deliveries.map(
                (d) =>
                  html`<tr>
                    <td>${when(d.createdAt)}</td>
                    <td><code>${d.type}</code></td>
                    <td class="mono">${d.endpoint ?? '—'}</td>
                    <td>
                      <span class="badge ${d.status}"
                        >${t[d.status as DeliveryStatus] ?? d.status}</span
                      >
                    </td>
                    <td>${d.attempts}</td>
                    <td>${when(d.nextAttemptAt)}</td>
                    <td><code>${d.lastError ?? '—'}</code></td>
                    <td>${d.status === 'failed' ? retry(d.id!) : ''}</td>
                  </tr>`,
              ),
            )
          : html`<p class="card">${t.noDeliveries}</p>`
      }
      ${nextCursor ? html`<p><a href="/admin/webhooks?${more}">${t.next}</a></p>` : ''}`,
  )
}
