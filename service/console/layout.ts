// The console's page shell: header (language switch, sign out), the section navigation and the content.
// Server-rendered with hono/html, whose template escapes every interpolated value.
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import { type Lang, type Strings } from './i18n'

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>

export interface View {
  t: Strings
  lang: Lang
  /** The current path and query, for the language switch to come back to. */
  here: string
  /** Present when signed in: the session's CSRF token for every form. */
  csrf?: string
}

const sections = [
  ['/admin/users', 'users'],
  ['/admin/audit', 'audit'],
  ['/admin/keys', 'keys'],
  ['/admin/connections', 'connections'],
  ['/admin/webhooks', 'webhooks'],
] as const

/** The hidden field that carries the CSRF token in every state-changing form. */
export const csrfField = (v: View) => html`<input type="hidden" name="_csrf" value="${v.csrf}" />`

const langSwitch = (v: View) => {
  const other: Lang = v.lang === 'en' ? 'zh' : 'en'
  const href = `/admin/lang?${new URLSearchParams({ to: other, back: v.here })}`
  return html`<a href="${href}" lang="${other}" hreflang="${other}">${v.t.otherLanguage}</a>`
}

export function page(v: View, title: string, content: Markup): Markup {
  const path = v.here.split('?')[0]!
  const nav = v.csrf
    ? html`<nav class="side" aria-label="${v.t.nav}">
        <ul>
          ${sections.map(
            ([href, key]) =>
              html`<li>
                <a href="${href}" ${path.startsWith(href) ? html` aria-current="page"` : ''}
                  >${v.t[key]}</a
                >
              </li>`,
          )}
        </ul>
      </nav>`
    : ''
  return html`<!doctype html>
    <html lang="${v.lang === 'zh' ? 'zh-CN' : 'en'}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${v.t.title}</title>
        <link rel="stylesheet" href="/admin/assets/console.css" />
        <link rel="icon" href="/admin/assets/icon.svg" />
      </head>
      <body>
        <a class="skip" href="#main">${v.t.skip}</a>
        <header class="top">
          <div class="brand">${v.t.title}<small>${v.t.product}</small></div>
          ${langSwitch(v)}
          ${v.csrf ? html`<form method="post" action="/admin/sign-out">${csrfField(v)}<button type="submit">${v.t.signOut}</button></form>` : ''}
        </header>
        <div class="${v.csrf ? 'shell with-nav' : 'shell'}">
          ${nav}
          <main id="main" tabindex="-1" class="${v.csrf ? '' : 'narrow'}">
            <h1>${title}</h1>
            ${content}
          </main>
        </div>
      </body>
    </html>`
}

/** A table that scrolls sideways on a phone; focusable, so a keyboard can scroll it too. */
const scrollTable = (label: string, table: Markup) =>
  html`<div class="scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`

/** A table of rows under column headers, in its sideways-scrolling frame. */
export const dataTable = (label: string, headers: string[], rows: Markup[]) =>
  scrollTable(
    label,
    html`<table>
      <thead>
        <tr>
          ${headers.map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`,
  )

/** A time as UTC to the second, in a <time> element that does not wrap. */
export const when = (d: Date | string | null | undefined) => {
  if (!d) return '—'
  const iso = new Date(d).toISOString()
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)}Z</time>`
}
