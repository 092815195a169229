/** The dashboard page; its panels are also served alone (/console/dashboard/panels) for the page's own refresh. */
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import type { Dashboard } from '../dashboard.js';
import { age, count, when } from '../format.js';
import type { ConsoleSession } from '../session.js';
import type { MessageState } from '../../store/index.js';

const STATES: Array<{ state: MessageState | 'duplicate'; label: string }> = [
  { state: 'received', label: 'Received (unprocessed)' },
  { state: 'processed', label: 'Processed' },
  { state: 'error', label: 'Error' },
  { state: 'rejected', label: 'Rejected' },
  { state: 'failed', label: 'Failed' },
  { state: 'duplicate', label: 'Duplicate' },
];

const link = (channel: string, state: string, n: number) =>
  n === 0 || state === 'duplicate' ? count(n) : html`<a href="/console/messages?channel=${encodeURIComponent(channel)}&amp;state=${state}">${count(n)}</a>`;

export function dashboardPanels(d: Dashboard): Html {
  const now = new Date(d.at);
  return html`<section aria-labelledby="h-channels">
  <h2 id="h-channels">Channels</h2>
  <table class="grid">
    <caption>Messages per channel: today / in total. Throughput is the messages received in the last hour.</caption>
    <thead><tr><th scope="col">Channel</th>${STATES.map((s) => html`<th scope="col">${s.label}</th>`)}<th scope="col">All</th><th scope="col">Last hour</th><th scope="col">Oldest unprocessed</th></tr></thead>
    <tbody>${d.channels.map((c) => html`<tr data-channel="${c.channel}">
      <th scope="row"><a href="/console/messages?channel=${encodeURIComponent(c.channel)}">${c.channel}</a></th>
      ${STATES.map((s) => html`<td class="num" data-state="${s.state}"><span class="today">${link(c.channel, s.state, c.today[s.state])}</span> / <span class="total">${link(c.channel, s.state, c.total[s.state])}</span></td>`)}
      <td class="num" data-state="all">${count(c.today.all)} / ${count(c.total.all)}</td>
      <td class="num" data-kind="last-hour">${count(c.lastHour)}</td>
      <td class="${c.oldestUnprocessed ? 'warn' : ''}">${c.oldestUnprocessed ? html`${age(c.oldestUnprocessed, now)} (${when(c.oldestUnprocessed)})` : '—'}</td>
    </tr>`)}</tbody>
  </table>
</section>
<section aria-labelledby="h-destinations">
  <h2 id="h-destinations">Destinations (outbox)</h2>
  ${d.destinations.length === 0 ? html`<p>No destinations configured.</p>` : html`<table class="grid">
    <thead><tr><th scope="col">Destination</th><th scope="col">Pending</th><th scope="col">In flight</th><th scope="col">Dead</th><th scope="col">Delivered (kept)</th><th scope="col">Last error</th></tr></thead>
    <tbody>${d.destinations.map((r) => html`<tr data-destination="${r.destination}">
      <th scope="row"><a href="/console/deliveries?destination=${encodeURIComponent(r.destination)}">${r.destination}</a></th>
      <td class="num">${count(r.pending)}</td><td class="num">${count(r.inFlight)}</td>
      <td class="num${r.dead ? ' bad' : ''}">${r.dead ? html`<a href="/console/deliveries?destination=${encodeURIComponent(r.destination)}&amp;state=dead">${count(r.dead)}</a>` : '0'}</td>
      <td class="num">${count(r.delivered)}</td>
      <td>${r.lastError ? html`${when(r.lastError.at)} <code>${r.lastError.code ?? ''}</code> ${r.lastError.error ?? ''}` : '—'}</td>
    </tr>`)}</tbody>
  </table>`}
</section>
<section aria-labelledby="h-jobs">
  <h2 id="h-jobs">Jobs</h2>
  <table class="grid">
    <thead><tr><th scope="col">Job</th><th scope="col">Schedule</th><th scope="col">Last run</th><th scope="col">Outcome</th><th scope="col">Next run</th></tr></thead>
    <tbody>${d.jobs.map((j) => html`<tr data-job="${j.name}">
      <th scope="row"><a href="/console/jobs#job-${j.name}">${j.name}</a></th>
      <td>${j.schedule ? html`<code>${j.schedule}</code>` : 'off'}</td>
      <td>${j.lastRun ? html`${when(j.lastRun.startedAt)} (${j.lastRun.trigger})` : 'never'}</td>
      <td class="${j.lastRun?.outcome === 'failed' ? 'bad' : ''}">${j.lastRun?.outcome ?? '—'}</td>
      <td>${j.nextRun ? when(j.nextRun) : html`<span class="none">not scheduled here</span>`}</td>
    </tr>`)}</tbody>
  </table>
</section>
<p class="updated" data-updated>Updated ${when(d.at)}</p>`;
}

export function dashboardPage(s: ConsoleSession, d: Dashboard): string {
  return page({
    title: 'Dashboard',
    session: s,
    active: 'dashboard',
    body: html`<div id="dashboard" data-refresh-url="/console/dashboard/panels" data-refresh-seconds="5">${dashboardPanels(d)}</div>`,
  });
}
