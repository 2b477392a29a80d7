import { html, type Html } from './html.js';
import type { Session } from './sessions.js';

/** The page around every view: the bar with the operator and sign-out, then the content. */
export function page(title: string, body: Html, session?: Session): string {
  const bar = session
    ? html`<header class="top">
        <a href="/tenants"><strong>Wizer directory</strong> · operator console</a>
        <a href="/tenants">Tenants</a>
        <span class="who"
          >Signed in as <strong data-operator>${session.operator.name}</strong> (${session.operator.role})
          <form method="post" action="/logout">
            <input type="hidden" name="_csrf" value="${session.csrf}" /><button type="submit">
              Sign out
            </button>
          </form></span
        >
      </header>`
    : html`<header class="top"><strong>Wizer directory</strong> · operator console</header>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Wizer console</title>
        <link rel="stylesheet" href="/static/console.css" />
      </head>
      <body>
        ${bar}
        <main>${body}</main>
        <script src="/static/console.js" defer></script>
      </body>
    </html>`.text;
}

/** A POST form with the session's CSRF token. */
export function form(session: Session, action: string, inner: Html, className = ''): Html {
  return html`<form method="post" action="${action}" class="${className}">
    <input type="hidden" name="_csrf" value="${session.csrf}" />${inner}
  </form>`;
}
