/** The pages of the console's bulk actions: replay of a filtered set (confirm, progress, dry run), deliveries, jobs. */
import { JOBS } from '../../jobs/table.js';
import type { JobRunRow, OutboxItem } from '../../store/index.js';
import type { DryRun } from '../../runtime/replay.js';
import type { FilterFields } from '../filter.js';
import { FILTER_KEYS } from '../filter.js';
import { count, when } from '../format.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import type { ReplayTask } from '../replay-tasks.js';
import { diffList } from './diff.js';
import type { ConsoleSession } from '../session.js';

const hiddenFilter = (f: FilterFields) => FILTER_KEYS.filter((k) => f[k] && k !== 'sort' && k !== 'dir').map((k) => html`<input type="hidden" name="${k}" value="${f[k]}">`);
const describe = (f: FilterFields) => FILTER_KEYS.filter((k) => f[k] && k !== 'sort' && k !== 'dir').map((k) => html`<li><strong>${k}</strong>: <code>${f[k]}</code></li>`);

export function replayConfirmPage(s: ConsoleSession, f: FilterFields, query: string, matched: number, max: number): string {
  const n = Math.min(matched, max);
  const body = matched === 0
    ? html`<p class="notice error" role="status">No message matches this filter: nothing to replay.</p><p><a href="/console/messages${query}">Back to the messages</a></p>`
    : html`<p>The filter</p><ul>${describe(f)}</ul>
<p data-count="${matched}"><strong>${count(matched)}</strong> message${matched === 1 ? '' : 's'} match${matched === 1 ? 'es' : ''}${matched > max ? html` (the oldest ${count(max)} are replayed; run again for the rest)` : ''}. Each is processed again with today's mappings, oldest first; every earlier outcome is kept in its history.</p>
<div class="actions">
  <form method="post" action="/console/replay" data-confirm="Replay ${n} message${n === 1 ? '' : 's'}?">${csrfField(s)}${hiddenFilter(f)}<button type="submit">Replay ${count(n)} message${n === 1 ? '' : 's'}</button></form>
  <form method="post" action="/console/replay/dry-run">${csrfField(s)}${hiddenFilter(f)}<button type="submit" class="secondary">Dry run first (diff of outputs)</button></form>
  <a href="/console/messages${query}">Cancel</a>
</div>`;
  return page({ title: 'Replay messages', session: s, active: 'messages', body });
}

export function replayProgress(t: ReplayTask): Html {
  const finished = t.finishedAt !== null;
  return html`<p${finished ? html` data-done="true"` : ''} role="status"><strong>${count(t.done)}</strong> of ${count(t.total)} replayed${finished ? html` — finished ${when(t.finishedAt)}` : ' …'}</p>
<progress max="${t.total}" value="${t.done}" aria-label="Replay progress">${t.done}/${t.total}</progress>
<ul>${Object.entries(t.byState).map(([state, n]) => html`<li><span class="state-${state}">${state}</span>: ${count(n)}</li>`)}${t.failed ? html`<li class="bad">could not be replayed: ${count(t.failed)} (see the gateway log)</li>` : ''}</ul>`;
}

export function replayTaskPage(s: ConsoleSession, t: ReplayTask): string {
  const body = html`<div id="progress" data-refresh-url="/console/replay/tasks/${t.id}/progress" data-refresh-seconds="1" data-refresh-until="[data-done]">${replayProgress(t)}</div>
<p><a href="/console/messages${t.query}">Back to the messages</a></p>`;
  return page({ title: 'Replaying messages', session: s, active: 'messages', body });
}

export function dryRunPage(s: ConsoleSession, query: string, results: Array<DryRun | { id: number; missing: true }>, matched: number): string {
  const rows = results.filter((r): r is DryRun => !('missing' in r));
  const missing = results.length - rows.length;
  const changing = rows.filter((r) => r.changes.length || r.before.state !== r.after.state);
  const body = html`<p>Of ${count(matched)} matching message${matched === 1 ? '' : 's'}, the first ${count(results.length)} were previewed with today's mappings; nothing was written. <strong>${count(changing.length)}</strong> would change.${missing ? html` ${count(missing)} could not be previewed.` : ''}</p>
<table class="grid dry-run"><caption>Per message: the stored outcome, a replay's outcome now, and each output value that would change (path: stored → now; PHI masked)</caption>
<thead><tr><th scope="col">Message</th><th scope="col">Stored outcome</th><th scope="col">A replay now</th><th scope="col">Output values (stored → now)</th></tr></thead>
<tbody>${rows.map((r) => html`<tr data-message="${r.id}"><td><a href="/console/messages/${r.id}">#${r.id}</a></td><td class="state-${r.before.state}">${r.before.state} (${r.before.code ?? '—'})</td><td class="state-${r.after.state}">${r.after.state} (${r.after.code ?? '—'})</td><td>${diffList(r.changes)}</td></tr>`)}</tbody></table>
<p><a href="/console/replay${query}">Back to the replay</a></p>`;
  return page({ title: 'Dry run of a replay', session: s, active: 'messages', body });
}

export function deliveriesPage(s: ConsoleSession, v: { destination: string; state: string; destinations: string[]; items: OutboxItem[]; deadCount: number; notice?: string | undefined; error?: string | undefined }): string {
  const opt = (value: string, label: string, sel: string) => html`<option value="${value}"${value === sel ? html` selected` : ''}>${label}</option>`;
  const body = html`<form class="filters" method="get" action="/console/deliveries" aria-label="Filter deliveries">
  <div><label for="d-destination">Destination</label><select id="d-destination" name="destination">${opt('', 'any', v.destination)}${v.destinations.map((d) => opt(d, d, v.destination))}</select></div>
  <div><label for="d-state">State</label><select id="d-state" name="state">${opt('', 'any', v.state)}${['pending', 'in-flight', 'delivered', 'dead'].map((x) => opt(x, x, v.state))}</select></div>
  <div><button type="submit">Filter</button></div>
</form>
${v.deadCount ? html`<div class="actions"><form method="post" action="/console/deliveries/replay" data-confirm="Replay ${v.deadCount} dead deliveries${v.destination ? ` to ${v.destination}` : ''}?">${csrfField(s)}<input type="hidden" name="destination" value="${v.destination}"><button type="submit">Replay all ${count(v.deadCount)} dead deliver${v.deadCount === 1 ? 'y' : 'ies'}${v.destination ? ` to ${v.destination}` : ''}</button></form></div>` : ''}
<table class="grid deliveries"><caption>The newest 100 outbox rows matching the filter (payloads are shown on the message's page).</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Destination</th><th scope="col">Kind</th><th scope="col">Message</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Next attempt</th><th scope="col">Last error</th><th scope="col">Partner</th><th scope="col">Action</th></tr></thead>
<tbody>${v.items.map((d) => html`<tr data-delivery="${d.id}"><td>#${d.id}</td><td>${d.destination}</td><td>${d.kind}</td><td>${d.messageId ? html`<a href="/console/messages/${d.messageId}">#${d.messageId}</a>` : '—'}</td>
<td class="${d.state === 'dead' ? 'bad' : ''}" data-state>${d.state}</td><td class="num">${d.attempts}</td><td>${d.state === 'pending' ? when(d.nextAttemptAt) : '—'}</td>
<td>${d.lastError ? html`<code>${d.lastErrorCode ?? ''}</code> ${d.lastError}` : '—'}</td><td>${d.partnerStatus ?? '—'}</td>
<td>${d.state === 'dead' ? html`<form method="post" action="/console/deliveries/${d.id}/replay">${csrfField(s)}<button type="submit">Replay</button></form>` : ''}</td></tr>`)}</tbody></table>`;
  return page({ title: 'Deliveries', session: s, active: 'deliveries', body, notice: v.error ? { kind: 'error', text: v.error } : v.notice ? { kind: 'ok', text: v.notice } : undefined });
}

export function jobsPage(s: ConsoleSession, v: { runs: JobRunRow[]; canRun: boolean; notice?: { kind: 'ok' | 'error'; text: string } | undefined }): string {
  const body = html`${v.canRun ? '' : html`<p class="notice error">Jobs do not run in this gateway process, so they cannot be started from here (use <code>frontdesk job run</code>).</p>`}
${JOBS.map((j) => {
    const runs = v.runs.filter((r) => r.job === j.name).slice(0, 5);
    return html`<section id="job-${j.name}" aria-labelledby="h-job-${j.name}"><h2 id="h-job-${j.name}">${j.name}</h2><p>${j.description}</p>
${v.canRun ? html`<form method="post" action="/console/jobs/${j.name}/run">${csrfField(s)}<button type="submit">Run ${j.name} now</button></form>` : ''}
${runs.length ? html`<table class="grid"><thead><tr><th scope="col">Started</th><th scope="col">How</th><th scope="col">Outcome</th><th scope="col">Summary</th></tr></thead><tbody>${runs.map((r) => html`<tr><td>${when(r.startedAt)}</td><td>${r.trigger}</td><td class="${r.outcome === 'failed' ? 'bad' : ''}">${r.outcome ?? 'running'}</td><td><code>${r.summary ? JSON.stringify(r.summary) : ''}</code></td></tr>`)}</tbody></table>` : html`<p>Never run.</p>`}</section>`;
  })}`;
  return page({ title: 'Jobs', session: s, active: 'jobs', body, notice: v.notice });
}
