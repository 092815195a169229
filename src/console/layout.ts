/** The console's page frame: skip link, navigation, the operator and logout, the page's main content. */
import { html, type Html } from './html.js';
import type { ConsoleSession } from './session.js';

export const NAV = [
  { href: '/console/', label: 'Dashboard', key: 'dashboard' },
  { href: '/console/messages', label: 'Messages', key: 'messages' },
  { href: '/console/deliveries', label: 'Deliveries', key: 'deliveries' },
  { href: '/console/jobs', label: 'Jobs', key: 'jobs' },
  { href: '/console/playground', label: 'Validation playground', key: 'playground' },
] as const;

export type NavKey = (typeof NAV)[number]['key'];

export interface PageOptions {
  title: string;
  session?: ConsoleSession | undefined;
  active?: NavKey | undefined;
  body: Html;
  /** A notice at the top of the page: what an action did, or what was wrong with the input. */
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
  /** Go on to this console path at once (a meta refresh: a navigation this page starts, so same-site). */
  refreshTo?: string | undefined;
}

export function page(o: PageOptions): string {
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Frontdesk console</title>
${o.refreshTo ? html`<meta http-equiv="refresh" content="0;url=${o.refreshTo}">` : ''}
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/console.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">Frontdesk console</span>
  ${o.session
    ? html`<nav aria-label="Console"><ul>${NAV.map((n) => html`<li><a href="${n.href}"${o.active === n.key ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul></nav>
  <form class="logout" method="post" action="/console/logout">
    <span class="who">Operator <strong>${o.session.operator}</strong></span>
    <input type="hidden" name="_csrf" value="${o.session.csrf}">
    <button type="submit">Log out</button>
  </form>`
    : ''}
</header>
<main id="main" tabindex="-1">
<h1>${o.title}</h1>
${o.notice ? html`<p class="notice ${o.notice.kind}" role="${o.notice.kind === 'error' ? 'alert' : 'status'}">${o.notice.text}</p>` : ''}
${o.body}
</main>
</body>
</html>`.text}\n`;
}

/** A hidden CSRF field for a form of this session. */
export const csrfField = (s: ConsoleSession) => html`<input type="hidden" name="_csrf" value="${s.csrf}">`;
