// The playground's HTML: the phone on the left, the server's view on the right; settings reach the script
// as data attributes (the CSP allows no inline script).
import { html } from 'hono/html'

export interface PlaygroundApp {
  connection: string
  appId: string
  name: string
}

export interface PlaygroundPageOptions {
  apps: PlaygroundApp[]
  wechatTimeoutMs: number
  qrDemoUrl?: string
}

const people = ['alice', 'bob', 'carol', 'dave']

export const playgroundPage = (o: PlaygroundPageOptions) =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Playground · wechat-login-stack</title>
        <link rel="stylesheet" href="/playground/app.css" />
        <link rel="icon" href="data:," />
        <script type="module" src="/playground/app.js"></script>
      </head>
      <body data-timeout-ms="${o.wechatTimeoutMs}">
        <header class="top">
          <h1>wechat-login-stack playground</h1>
          <p>
            A simulated Mini Program using this project's SDK, against this service and the WeChat
            simulator. Development only.
          </p>
        </header>
        <main class="layout">
          <section class="phone" aria-labelledby="phone-title">
            <div class="notch" aria-hidden="true"></div>
            <h2 id="phone-title">Mini Program</h2>
            <div class="field">
              <label for="app">Mini Program</label
              ><select id="app">
                ${o.apps.map(
                  (a) =>
                    html`<option value="${a.connection}" data-app-id="${a.appId}">
                      ${a.name} (${a.appId})
                    </option>`,
                )}
              </select>
            </div>
            <div class="field">
              <label for="person">WeChat user</label
              ><input id="person" list="people" value="alice" autocomplete="off" />
              <datalist id="people">
                ${people.map((p) => html`<option value="${p}"></option>`)}
              </datalist>
            </div>
            <button id="login" class="primary">wx.login</button>
            <div id="who" class="who" aria-live="polite">Not logged in</div>
            <fieldset>
              <legend>getPhoneNumber</legend>
              <div class="field">
                <label for="phone">Phone (simulator)</label
                ><input id="phone" value="13800138000" inputmode="tel" />
              </div>
              <button id="bind-phone">Bind phone</button>
            </fieldset>
            <fieldset>
              <legend>Profile</legend>
              <div class="field">
                <label for="nickname">Nickname</label><input id="nickname" value="Alice" />
              </div>
              <button id="save-profile">Save profile</button>
            </fieldset>
            <div class="buttons">
              <button id="refresh">Refresh token</button><button id="logout">Log out</button
              ><button id="delete" class="danger">Delete account</button>
            </div>
          </section>
          <section class="server" aria-labelledby="server-title">
            <h2 id="server-title">The server's view</h2>
            <div class="card">
              <h3>WeChat faults (the simulator)</h3>
              <p>Armed for the next WeChat call of a login, once.</p>
              <div class="buttons">
                <button data-fault="down">WeChat down</button
                ><button data-fault="slow">WeChat slow</button
                ><button data-fault="40226">40226 (user blocked)</button
                ><button data-fault="clear">Clear faults</button>
              </div>
              <p id="fault-state" aria-live="polite">No fault armed.</p>
            </div>
            <div class="card">
              <h3>Last answer</h3>
              <p id="status" aria-live="polite">Nothing yet.</p>
              <pre id="answer" tabindex="0" aria-label="Last answer">{}</pre>
            </div>
            <div class="card">
              <h3>Access token claims</h3>
              <pre id="claims" tabindex="0" aria-label="Access token claims">{}</pre>
            </div>
            <div class="card">
              <h3>Requests</h3>
              <ol id="log" class="log" tabindex="0" aria-label="Requests"></ol>
            </div>
            ${
              o.qrDemoUrl
                ? html`<div class="card">
                    <h3>QR login on the web</h3>
                    <p>
                      <a href="${o.qrDemoUrl}">Open the QR login demo</a>: a web page logs in when
                      this simulated Mini Program approves.
                    </p>
                  </div>`
                : ''
            }
            <div class="card">
              <h3>More</h3>
              <p>
                <a href="/openapi.json">/openapi.json</a> ·
                <a href="/.well-known/jwks.json">JWKS</a>
              </p>
            </div>
          </section>
        </main>
      </body>
    </html>`
