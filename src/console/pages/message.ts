/**
 * One message: its header, the issues, the raw HL7v2 as a segment/field tree with the dictionary's
 * names and each field's location (the fields the issues name highlighted, with their text), the
 * outputs (FHIR as formatted JSON, office records), the ACK sent, every processing attempt, its
 * outbox deliveries with the partner's answers. PHI is masked unless the operator revealed it.
 */
import { errorCodeOf, type Issue } from '../../domain/issues.js';
import type { ExplainedSegment } from '../../runtime/explain.js';
import type { OutboxItem, ProcessingAttempt, StoredMessage, StoredOfficeRecord } from '../../store/index.js';
import { when } from '../format.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { isPhiField, maskHl7, maskJson, maskText } from '../mask.js';
import type { ConsoleSession } from '../session.js';

export interface MessageView {
  message: StoredMessage;
  explained?: { version: string; segments: ExplainedSegment[] } | undefined;
  attempts: ProcessingAttempt[];
  deliveries: OutboxItem[];
  officeRecords: StoredOfficeRecord[];
  revealed: boolean;
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
}

/** `PID.7.1` and `PID.7` name field `PID.7`; `OBX[2]` names the segment. */
function issueTargets(issues: readonly Issue[]): { fields: Map<string, Issue[]>; segments: Map<string, Issue[]> } {
  const fields = new Map<string, Issue[]>();
  const segments = new Map<string, Issue[]>();
  const add = (m: Map<string, Issue[]>, k: string, i: Issue) => m.set(k, [...(m.get(k) ?? []), i]);
  for (const i of issues) {
    for (const e of i.expression ?? []) {
      const f = /^([A-Z][A-Z0-9]{2}(?:\[\d+\])?)\.(\d+)/.exec(e);
      if (f) add(fields, `${f[1]}.${f[2]}`, i);
      else if (/^[A-Z][A-Z0-9]{2}(\[\d+\])?$/.test(e)) add(segments, e, i);
    }
  }
  return { fields, segments };
}

/** Whether an issue names a PHI field (`PID.7`, `PID.5.1`): its text may quote the value. */
function namesPhi(i: Issue): boolean {
  return (i.expression ?? []).some((e) => {
    const f = /^([A-Z][A-Z0-9]{2})(?:\[\d+\])?\.(\d+)/.exec(e);
    return !!f && isPhiField(f[1]!, Number(f[2]));
  });
}

/** An issue as a line; while masked, quoted values in the text of an issue on a PHI field are masked too. */
function issueLine(i: Issue, revealed = false): Html {
  const text = !revealed && namesPhi(i) ? (i.diagnostics ?? '').replace(/"([^"]*)"/g, (_m, v: string) => `"${maskText(v)}"`) : i.diagnostics ?? '';
  return html`<span class="issue-text">${i.severity}: ${errorCodeOf(i) ?? i.code}${i.expression?.length ? html` at <code>${i.expression.join(', ')}</code>` : ''} — ${text}</span>`;
}

function tree(v: MessageView): Html {
  const ex = v.explained!;
  const { fields, segments } = issueTargets(v.message.issues);
  const mask = (seg: string, n: number, value: string) => (!v.revealed && isPhiField(seg, n) ? maskText(value) : value);
  return html`<ul class="segments" aria-label="Segments of the message (HL7 ${ex.version})">${ex.segments.map((s) => {
    const segIssues = segments.get(s.location) ?? [];
    const flaggedInside = [...fields.keys()].some((k) => k.startsWith(`${s.location}.`));
    return html`<li class="${segIssues.length ? 'flagged' : ''}" data-segment="${s.location}"><details${segIssues.length || flaggedInside || ['MSH', 'PID'].includes(s.segment) ? html` open` : ''}>
    <summary><strong>${s.location}</strong> ${s.description ?? ''}${segIssues.map((i) => issueLine(i, v.revealed))}</summary>
    <table class="fields"><thead><tr><th scope="col">Location</th><th scope="col">Field</th><th scope="col">Value</th></tr></thead><tbody>
    ${s.fields.map((f) => {
      const n = Number(f.position.slice(f.position.lastIndexOf('.') + 1));
      const loc = `${s.location}.${n}`;
      const fi = fields.get(loc) ?? [];
      return html`<tr class="${fi.length ? 'flagged' : ''}" data-location="${loc}"${fi.length ? html` data-flagged="true"` : ''}>
        <td class="loc">${loc}</td>
        <td>${s.segment}-${n} ${f.name ?? ''}${f.type ? html` <span class="none">(${f.type})</span>` : ''}</td>
        <td><code class="${!v.revealed && isPhiField(s.segment, n) ? 'masked' : ''}">${mask(s.segment, n, f.value)}</code>${fi.map((i) => issueLine(i, v.revealed))}
        ${f.components?.length ? html`<ul>${f.components.map((c) => html`<li><span class="loc">${c.position.replace(/^[A-Z0-9]{3}/, s.location)}</span> ${c.name ?? ''}: <code>${mask(s.segment, n, c.value)}</code></li>`)}</ul>` : ''}</td>
      </tr>`;
    })}
    ${[...fields.entries()].filter(([k]) => k.startsWith(`${s.location}.`) && !s.fields.some((f) => `${s.location}.${f.position.slice(f.position.lastIndexOf('.') + 1)}` === k)).map(([k, fi]) => html`<tr class="flagged" data-location="${k}" data-flagged="true">
        <td class="loc">${k}</td><td>${s.segment}-${k.slice(k.lastIndexOf('.') + 1)}</td><td><span class="none">(empty)</span>${fi.map((i) => issueLine(i, v.revealed))}</td></tr>`)}
    </tbody></table></details></li>`;
  })}</ul>`;
}

const json = (v: unknown, revealed: boolean) => JSON.stringify(revealed ? v : maskJson(v), null, 2);

/** A partner's answer or a payload: JSON and HL7v2 masked field by field; other text hidden until revealed. */
function payload(text: string | null, revealed: boolean): Html {
  if (text === null || text === '') return html`<span class="none">—</span>`;
  if (revealed) return html`<pre tabindex="0">${text}</pre>`;
  try {
    return html`<pre tabindex="0">${JSON.stringify(maskJson(JSON.parse(text)), null, 2)}</pre>`;
  } catch {
    if (/^(MSH|FHS|BHS)/.test(text)) return html`<pre tabindex="0">${maskHl7(text).replace(/\r/g, '\n')}</pre>`;
    return html`<span class="none">(${text.length} characters, shown when revealed)</span>`;
  }
}

export function messagePage(s: ConsoleSession, v: MessageView): string {
  const m = v.message;
  const out = (m.outputs ?? null) as { bundle?: unknown; office?: unknown } | null;
  const rawText = v.revealed || m.contentType !== 'hl7v2' ? m.raw : maskHl7(m.raw);
  const body = html`
<section class="two" aria-label="Message summary">
  <div><strong>Channel</strong> ${m.channel} · <strong>Source</strong> ${m.source}${m.peer ? html` (${m.peer})` : ''}</div>
  <div><strong>State</strong> <span class="state-${m.state}" data-state>${m.state}</span> · attempts ${m.attempts}${m.flow ? html` · flow <code>${m.flow}</code>` : ''}</div>
  <div><strong>Type</strong> ${m.messageType ?? '—'} · <strong>MSH-10</strong> <code>${m.controlId ?? '—'}</code> · HL7 ${m.hl7Version ?? '—'}</div>
  <div><strong>Received</strong> ${when(m.receivedAt)} · <strong>Processed</strong> ${when(m.processedAt)}</div>
  <div><strong>Answer</strong> ${m.ackCode ?? (m.httpStatus ?? '—')}${m.commitAckCode ? html` (commit ${m.commitAckCode})` : ''}${m.duplicateOf ? html` · duplicate of <a href="/console/messages/${m.duplicateOf}">#${m.duplicateOf}</a>` : ''}</div>
  <div><strong>PHI</strong> ${v.revealed ? html`<span class="bad">revealed to ${s.operator} (recorded in the audit trail)</span>` : 'masked'}</div>
</section>
<div class="actions">
  ${v.revealed ? html`<a href="/console/messages/${m.id}">Mask again</a>` : html`<form method="post" action="/console/messages/${m.id}/reveal">${csrfField(s)}<button type="submit">Reveal PHI</button></form>`}
  <form method="post" action="/console/messages/${m.id}/replay">${csrfField(s)}<button type="submit">Replay</button></form>
  <form method="post" action="/console/messages/${m.id}/dry-run">${csrfField(s)}<button type="submit" class="secondary">Dry run (diff of outputs)</button></form>
</div>
<section aria-labelledby="h-issues"><h2 id="h-issues">Issues (${m.issues.length})</h2>
${m.issues.length ? html`<ul>${m.issues.map((i) => html`<li>${issueLine(i, v.revealed)}</li>`)}</ul>` : html`<p>None.</p>`}
${m.lastError ? html`<p class="bad">Last internal error: ${m.lastError}</p>` : ''}</section>
${v.explained ? html`<section aria-labelledby="h-tree"><h2 id="h-tree">HL7v2 message</h2>${tree(v)}</section>` : ''}
<section aria-labelledby="h-raw"><h2 id="h-raw">Raw content</h2><pre tabindex="0" data-raw>${rawText.replace(/\r\n?|\n/g, '\n')}</pre></section>
<section aria-labelledby="h-out"><h2 id="h-out">Transformed content</h2>
${out?.bundle ? html`<h3>FHIR</h3><pre tabindex="0" data-fhir>${json(out.bundle, v.revealed)}</pre>` : ''}
${v.officeRecords.length ? html`<h3>Office records</h3><pre tabindex="0">${json(v.officeRecords.map((r) => r.record), v.revealed)}</pre>` : ''}
${!out?.bundle && !v.officeRecords.length ? html`<p>No output${m.state === 'received' ? ' yet' : ''}.</p>` : ''}</section>
<section aria-labelledby="h-ack"><h2 id="h-ack">Acknowledgment sent</h2>${m.ack ? html`<pre tabindex="0" data-ack>${m.ack.replace(/\r\n?/g, '\n')}</pre>` : html`<p>None stored.</p>`}
${m.commitAck ? html`<h3>Commit ACK</h3><pre tabindex="0">${m.commitAck.replace(/\r\n?/g, '\n')}</pre>` : ''}</section>
<section aria-labelledby="h-attempts"><h2 id="h-attempts">Processing attempts</h2>
${v.attempts.length ? html`<table class="grid"><thead><tr><th scope="col">#</th><th scope="col">Why</th><th scope="col">When</th><th scope="col">Outcome</th><th scope="col">Answer</th><th scope="col">Issues</th><th scope="col">Mapping version</th></tr></thead>
<tbody>${v.attempts.map((a) => html`<tr><td>${a.seq}</td><td>${a.reason}</td><td>${when(a.at)}</td><td class="state-${a.state}">${a.state}</td><td>${a.ackCode ?? a.httpStatus ?? ''}</td><td>${a.issues.map((i) => html`<code>${errorCodeOf(i) ?? i.code}</code> `)}${a.error ?? ''}</td><td class="mono">${(a.mappingVersion ?? '').slice(0, 12)}</td></tr>`)}</tbody></table>` : html`<p>None recorded.</p>`}</section>
<section aria-labelledby="h-deliveries"><h2 id="h-deliveries">Deliveries (sent content and the partners' answers)</h2>
${v.deliveries.length ? v.deliveries.map((d) => html`<details data-delivery="${d.id}"><summary>Delivery #${d.id} to <strong>${d.destination}</strong> (${d.kind}): <span class="state-${d.state === 'dead' ? 'error' : 'processed'}">${d.state}</span>, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.lastError ? html` — <span class="bad">${d.lastErrorCode ?? ''} ${d.lastError}</span>` : ''}</summary>
  <h4>Sent</h4>${payload(d.payload, v.revealed)}
  <h4>Partner's answer${d.partnerStatus ? html` (${d.partnerStatus})` : ''}</h4>${payload(d.partnerResponse, v.revealed)}
  ${d.state === 'dead' ? html`<form method="post" action="/console/deliveries/${d.id}/replay">${csrfField(s)}<button type="submit">Replay this dead letter</button></form>` : ''}
</details>`) : html`<p>None.</p>`}</section>`;
  return page({ title: `Message #${m.id}`, session: s, active: 'messages', body, notice: v.notice });
}
