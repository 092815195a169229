/** How the console writes times, ages and counts. */
import { html, type Html } from './html.js';

/** An instant as `2026-12-06 20:30:12Z` inside a <time> element (machine-readable datetime). */
export function when(iso: string | null | undefined): Html {
  if (!iso) return html`<span class="none">—</span>`;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}

/** How long ago: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function age(iso: string | null | undefined, now: Date): string {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export const count = (n: number) => n.toLocaleString('en-US');
