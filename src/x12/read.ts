/**
 * Read an inbound interchange whose transaction sets follow one guide map (999, 277CA, 835, 271):
 * envelope checks, then each set through the map. Issues name `ST[n].` only when the interchange
 * holds more than one set. Never throws.
 */
import { issue, type Issue, type Result } from '../domain/issues.js';
import { readInterchange, type Interchange } from './envelope.js';
import { readTransaction } from './engine.js';
import { loadX12Map } from './map.js';
import { el } from './syntax.js';

export interface ReadSet<T> {
  /** ST-02. */
  control: string;
  model: T;
}

export interface ReadX12<T> {
  interchange: Interchange;
  sets: Array<ReadSet<T>>;
}

export function readWithMap<T>(text: string, mapName: string): Result<ReadX12<T>> {
  const ic = readInterchange(text);
  if (!ic.value) return { value: undefined, issues: ic.issues };
  const issues: Issue[] = [...ic.issues];
  const map = loadX12Map(mapName);
  const txs = ic.value.groups.flatMap((g) => g.transactions);
  const sets: Array<ReadSet<T>> = [];
  for (const t of txs) {
    const prefix = txs.length > 1 ? `ST[${t.index}]` : '';
    if (el(t.st, 1) !== map.setId) {
      issues.push(issue('X12_INVALID', `ST-01 is "${el(t.st, 1)}"; expected a ${map.setId} transaction set here.`, `${prefix || 'ST'}.ST-01`.replace(/^ST\.ST/, 'ST')));
      continue;
    }
    const r = readTransaction(map, t.body, ic.value.delimiters, prefix);
    issues.push(...r.issues);
    sets.push({ control: el(t.st, 2), model: r.value as unknown as T });
  }
  if (!txs.length) issues.push(issue('X12_INVALID', 'The interchange holds no transaction set.', 'ST'));
  return { value: { interchange: ic.value, sets }, issues };
}
