/** The validation playground's page: the form (paste or upload, profile, output) and the result. */
import { errorCodeOf } from '../../domain/issues.js';
import type { Target } from '../../flows/types.js';
import { html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { TARGETS, type PlaygroundResult } from '../playground.js';
import type { ConsoleSession } from '../session.js';

export interface PlaygroundView {
  text: string;
  profile: string;
  to: string;
  profiles: string[];
  maxBytes: number;
  result?: PlaygroundResult | undefined;
  error?: string | undefined;
}

const TARGET_LABELS: Record<Target, string> = { fhir: 'FHIR R4', hl7v2: 'HL7v2', office: 'office records' };

export function playgroundPage(s: ConsoleSession, v: PlaygroundView): string {
  const r = v.result;
  const body = html`<form method="post" action="/console/playground" class="playground">
  ${csrfField(s)}
  <div class="field"><label for="p-text">HL7v2 message, FHIR JSON (a resource or Bundle), an office record or an X12 interchange</label>
  <textarea id="p-text" name="text" rows="14" cols="100" spellcheck="false" class="mono">${v.text}</textarea></div>
  <div class="field"><label for="p-file">Or upload a file (text, at most ${v.maxBytes} bytes)</label>
  <input id="p-file" type="file" accept=".hl7,.txt,.json,.x12,.edi" data-load-into="p-text" data-max-bytes="${v.maxBytes}" aria-describedby="p-file-status"> <span id="p-file-status" role="status"></span></div>
  <div class="actions">
    <div class="field"><label for="p-profile">FHIR profile</label><select id="p-profile" name="profile"><option value="">the resource's meta.profile, else the R4 base type</option>${v.profiles.map((p) => html`<option value="${p}"${p === v.profile ? html` selected` : ''}>${p}</option>`)}</select></div>
    <div class="field"><label for="p-to">Convert to</label><select id="p-to" name="to"><option value="">the usual (FHIR; office records from FHIR)</option>${TARGETS.map((t) => html`<option value="${t}"${t === v.to ? html` selected` : ''}>${TARGET_LABELS[t]}</option>`)}</select></div>
    <div class="field"><button type="submit">Check and convert</button></div>
  </div>
</form>
${r ? html`<section aria-labelledby="h-result"><h2 id="h-result">Result: ${r.kind === 'unknown' ? 'not read' : r.kind}</h2>
${r.issues.length ? html`<table class="grid issues"><caption>${r.issues.length} issue${r.issues.length === 1 ? '' : 's'}</caption><thead><tr><th scope="col">Severity</th><th scope="col">Code</th><th scope="col">Location</th><th scope="col">What</th></tr></thead>
<tbody>${r.issues.map((i) => html`<tr class="${i.severity === 'error' || i.severity === 'fatal' ? 'bad' : ''}"><td>${i.severity}</td><td><code>${errorCodeOf(i) ?? i.code}</code></td><td class="mono" data-location>${(i.expression ?? []).join(', ')}</td><td>${i.diagnostics ?? ''}</td></tr>`)}</tbody></table>` : html`<p class="notice ok" role="status">No issues.</p>`}
${r.output ? html`<h3>Converted to ${TARGET_LABELS[r.output.to]}</h3><pre tabindex="0" data-output>${r.output.text}</pre>` : html`<p>No converted output.</p>`}
</section>` : ''}`;
  return page({ title: 'Validation playground', session: s, active: 'playground', body, notice: v.error ? { kind: 'error', text: v.error } : undefined });
}
