/**
 * The login form: an operator key (one of `http.auth.keys` with the "operator" scope), and beside
 * it, when `console.oauth` is configured, "Sign in with <name>" (../oauth.ts): a link, not a form,
 * since the CSP's form-action 'self' would stop a form whose answer redirects to another site.
 */
import { html, query } from '../html.js';
import { page } from '../layout.js';

export function loginPage(opts: { next?: string | undefined; error?: string | undefined; expired?: boolean | undefined; oauthName?: string | undefined } = {}): string {
  return page({
    title: 'Log in',
    notice: opts.error ? { kind: 'error', text: opts.error } : opts.expired ? { kind: 'error', text: 'Your session has ended; log in again.' } : undefined,
    body: html`<form class="login" method="post" action="/console/login">
  <p>Log in with an operator key: an API key from the gateway's <code>http.auth.keys</code> that holds the <code>operator</code> scope.</p>
  <label for="key">Operator key</label>
  <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
  <input type="hidden" name="next" value="${opts.next ?? '/console/'}">
  <button type="submit">Log in</button>
</form>
${opts.oauthName ? html`<div class="login oauth">
  <p>Or sign in with your account at ${opts.oauthName}.</p>
  <p><a class="button" href="/console/oauth/start${query({ next: opts.next ?? '/console/' })}">Sign in with ${opts.oauthName}</a></p>
</div>` : ''}`,
  });
}
