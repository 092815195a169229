/** A dry run's value-level diff of one message's outputs as a list: `path: stored -> now` (../diff.ts). */
import type { JsonChange } from '../../runtime/json-diff.js';
import { valueChanges } from '../diff.js';
import { count } from '../format.js';
import { html, type Html } from '../html.js';

export function diffList(changes: readonly JsonChange[], max = 30): Html {
  const lines = valueChanges(changes);
  if (!lines.length) return html`<p class="none">The outputs would not change.</p>`;
  return html`<ul class="diff">${lines.slice(0, max).map((l) => html`<li data-path="${l.path}"><code class="path">${l.path}</code>: ${l.before === undefined ? html`<span class="absent">(absent)</span>` : html`<code class="old">${l.before}</code>`} → ${l.after === undefined ? html`<span class="absent">(absent)</span>` : html`<code class="new">${l.after}</code>`}</li>`)}${lines.length > max ? html`<li>… and ${count(lines.length - max)} more value${lines.length - max === 1 ? '' : 's'}</li>` : ''}</ul>`;
}
