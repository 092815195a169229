/** The message browser: the filter form (GET, so the filter lives in the URL), a sortable, paged table, newest first. */
import { ERROR_CODES } from '../../domain/errors.js';
import { errorCodeOf } from '../../domain/issues.js';
import { MESSAGE_STATES, type MessageSummary } from '../../store/index.js';
import { filterQuery, PAGE_SIZE, type FilterFields } from '../filter.js';
import { count, when } from '../format.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { maskText } from '../mask.js';
import type { ConsoleSession } from '../session.js';

export interface BrowserView {
  fields: FilterFields;
  channels: readonly string[];
  errors: string[];
  /** Undefined when the filter could not be read. */
  result?: { total: number; page: number; rows: MessageSummary[] } | undefined;
  notice?: string | undefined;
}

const option = (value: string, label: string, selected: string) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;

function filterForm(v: BrowserView): Html {
  const f = v.fields;
  const text = (name: keyof FilterFields, label: string, opts: { type?: string; placeholder?: string; size?: number } = {}) => html`<div>
    <label for="f-${name}">${label}</label>
    <input id="f-${name}" name="${name}" type="${opts.type ?? 'text'}" value="${f[name]}"${opts.placeholder ? html` placeholder="${opts.placeholder}"` : ''}${opts.size ? html` size="${opts.size}"` : ''}>
  </div>`;
  return html`<form class="filters" method="get" action="/console/messages" role="search" aria-label="Filter messages">
  <div><label for="f-channel">Channel</label><select id="f-channel" name="channel">${option('', 'any', f.channel)}${v.channels.map((c) => option(c, c, f.channel))}</select></div>
  <div><label for="f-state">State</label><select id="f-state" name="state">${option('', 'any', f.state)}${MESSAGE_STATES.map((s) => option(s, s, f.state))}</select></div>
  ${text('type', 'Message type', { placeholder: 'ADT^A04', size: 9 })}
  ${text('controlId', 'MSH-10 control id', { size: 14 })}
  ${text('mrn', 'Patient MRN', { size: 12 })}
  ${text('name', 'Patient name', { placeholder: 'Smith, John', size: 14 })}
  ${text('since', 'Received from', { placeholder: 'YYYY-MM-DD', size: 10 })}
  ${text('until', 'Received to', { placeholder: 'YYYY-MM-DD', size: 10 })}
  <div><label for="f-errorCode">Error code</label><select id="f-errorCode" name="errorCode">${option('', 'any', f.errorCode)}${Object.keys(ERROR_CODES).map((c) => option(c, c, f.errorCode))}</select></div>
  <input type="hidden" name="sort" value="${f.sort}"><input type="hidden" name="dir" value="${f.dir}">
  <div><button type="submit">Filter</button> <a href="/console/messages">Clear</a></div>
</form>`;
}

function sortHeader(v: BrowserView, key: string, label: string): Html {
  const current = (v.fields.sort || 'received') === key;
  const desc = v.fields.dir !== 'asc';
  const nextDir = current && desc ? 'asc' : 'desc';
  const aria = current ? (desc ? 'descending' : 'ascending') : 'none';
  return html`<th scope="col" aria-sort="${aria}"><a href="/console/messages${filterQuery(v.fields, { sort: key, dir: nextDir, page: undefined })}">${label}${current ? (desc ? ' ▼' : ' ▲') : ''}</a></th>`;
}

/** PID-5 as stored (FAMILY^GIVEN), masked: `T*********, J**`. */
export function maskedName(name: string | null): string {
  if (!name) return '';
  const [family = '', given = ''] = name.split('^');
  return [family, given].filter(Boolean).map(maskText).join(', ');
}

function table(v: BrowserView, r: NonNullable<BrowserView['result']>): Html {
  const pages = Math.max(1, Math.ceil(r.total / PAGE_SIZE));
  const pager = (where: string) => html`<nav class="pager" aria-label="Pages (${where})">
    ${r.page > 1 ? html`<a href="/console/messages${filterQuery(v.fields, { page: r.page - 1 })}" rel="prev">← Newer</a>` : ''}
    <span>Page ${r.page} of ${count(pages)} · ${count(r.total)} message${r.total === 1 ? '' : 's'}</span>
    ${r.page < pages ? html`<a href="/console/messages${filterQuery(v.fields, { page: r.page + 1 })}" rel="next">Older →</a>` : ''}
  </nav>`;
  return html`${pager('top')}
<table class="grid messages">
  <caption>Messages matching the filter. Patient names and MRNs are masked; open a message to reveal them.</caption>
  <thead><tr>
    ${sortHeader(v, 'received', 'Received')}<th scope="col">Id</th>${sortHeader(v, 'channel', 'Channel')}${sortHeader(v, 'type', 'Type')}
    <th scope="col">MSH-10</th><th scope="col">Patient</th>${sortHeader(v, 'state', 'State')}<th scope="col">Errors</th>
  </tr></thead>
  <tbody>${r.rows.map((m) => html`<tr data-id="${m.id}">
    <td>${when(m.receivedAt)}</td>
    <td><a href="/console/messages/${m.id}">#${m.id}</a></td>
    <td>${m.channel}</td><td>${m.messageType ?? ''}</td><td class="mono">${m.controlId ?? ''}</td>
    <td class="masked">${maskedName(m.patientName)}${m.patientMrn ? html` <span class="mono">(${maskText(m.patientMrn)})</span>` : ''}</td>
    <td class="state-${m.state}">${m.state}${m.duplicateOf ? html` <span title="same MSH-10 as #${m.duplicateOf}, other content">(duplicate)</span>` : ''}</td>
    <td>${[...new Set(m.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => errorCodeOf(i) ?? i.code))].map((c) => html`<code>${c}</code> `)}</td>
  </tr>`)}</tbody>
</table>
${pager('bottom')}`;
}

export function messagesPage(s: ConsoleSession, v: BrowserView): string {
  const r = v.result;
  let body: Html;
  if (v.errors.length) body = html`${filterForm(v)}<div role="alert" class="notice error"><p>The filter could not be used:</p><ul>${v.errors.map((e) => html`<li>${e}</li>`)}</ul></div>`;
  else if (r && r.total === 0) {
    const why = v.fields.controlId ? `No message with MSH-10 "${v.fields.controlId}"${v.fields.channel ? ` on channel ${v.fields.channel}` : ''} matches.` : 'No message matches this filter.';
    body = html`${filterForm(v)}<p class="notice error" role="status">${why}</p>`;
  } else {
    body = html`${filterForm(v)}
<div class="actions"><a href="/console/replay${filterQuery(v.fields, { sort: undefined, dir: undefined })}">Replay the messages matching this filter…</a></div>
${r ? table(v, r) : ''}`;
  }
  return page({ title: 'Messages', session: s, active: 'messages', body, notice: v.notice ? { kind: 'ok', text: v.notice } : undefined });
}
