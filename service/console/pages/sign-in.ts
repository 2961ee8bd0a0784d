// The sign-in page (the key goes in a POST body, never a URL) and the console's error page.
import { html } from 'hono/html'
import { page, type View } from '../layout'

/** `refused`: the key just given was wrong (401 admin_unauthorized). */
export function signInPage(v: View, refused = false) {
  const { t } = v
  return page(
    v,
    t.signIn,
    html`<div class="signin">
      <section class="card">
        ${
          refused
            ? html`<p class="error" role="alert">
                <code data-code="admin_unauthorized">admin_unauthorized</code>: ${t.wrongKey}
              </p>`
            : ''
        }
        <p>${t.signInIntro}</p>
        <form method="post" action="/admin/sign-in" class="stack">
          <label for="key">${t.adminKey}</label>
          <input
            id="key"
            name="key"
            type="password"
            required
            autocomplete="current-password"
            maxlength="512"
          />
          <button type="submit">${t.signIn}</button>
        </form>
      </section>
    </div>`,
  )
}

export function errorPage(v: View, code: string, message: string) {
  return page(
    v,
    v.t.errorTitle,
    html`<section class="card">
      <p class="error" role="alert"><code data-code="${code}">${code}</code>: ${message}</p>
      <p><a href="/admin/users">${v.t.back}</a></p>
    </section>`,
  )
}
