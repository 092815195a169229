import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Bundle, DiagnosticReport, FhirResource, Observation, Specimen } from 'fhir/r4.js';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';
import { parseHl7, type Hl7Message } from '../../src/hl7/message.js';
import { convertOru } from '../../src/flows/labs/index.js';
import { emptyLookup, type ResourceLookup } from '../../src/flows/types.js';

export const LABS = resolve('examples/hl7v2/labs');
export const example = (name: string): string => readFileSync(resolve(LABS, name), 'utf8');

export function parse(text: string): Hl7Message {
  const p = parseHl7(text);
  if (!p.value) throw new Error(`unparseable test message: ${JSON.stringify(p.issues)}`);
  return p.value;
}

export function convert(text: string, lookup: ResourceLookup = emptyLookup) {
  const r = convertOru(parse(text), { timezone: 'America/Chicago', lookup });
  if (!r.value) throw new Error('no conversion output');
  return { ...r.value, issues: r.issues };
}

export const resources = <T extends FhirResource>(b: Bundle, type: T['resourceType']): T[] =>
  (b.entry ?? []).map((e) => e.resource as FhirResource).filter((r): r is T => r?.resourceType === type);

export const reports = (b: Bundle) => resources<DiagnosticReport>(b, 'DiagnosticReport');
export const observations = (b: Bundle) => resources<Observation>(b, 'Observation');
export const specimens = (b: Bundle) => resources<Specimen>(b, 'Specimen');

export const errors = (issues: Issue[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
/** [code, first expression] of each error, for compact assertions. */
export const errorAt = (issues: Issue[]) => errors(issues).map((i) => [errorCodeOf(i), i.expression?.[0]]);

/** A lookup over resources, as the gateway's store would answer. */
export function lookupOf(bundles: Bundle[]): ResourceLookup {
  const m = new Map<string, FhirResource>();
  for (const b of bundles) for (const e of b.entry ?? []) if (e.resource) m.set(`${e.resource.resourceType}/${e.resource.id}`, e.resource as FhirResource);
  return { get: (t, id) => m.get(`${t}/${id}`) };
}
