/**
 * Where the resources of a FHIR transaction go: into the verticals' converters (../registry.ts),
 * each producing the office records it keeps.
 */
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import type { Issue } from '../../domain/issues.js';
import { converters } from '../registry.js';
import type { FlowContext } from '../types.js';

/**
 * Route the resources into the verticals' converters for their office records: the whole Bundle
 * when one converter takes it (a registration: Patient + Coverage; an appointment with its
 * patient), else per converter the resources it takes (as a Bundle when it accepts that, one by
 * one otherwise). Converter issues are added to `issues`.
 */
export function routeToConverters(entries: readonly BundleEntry[], ctx: FlowContext, issues: Issue[]): Array<Record<string, unknown>> {
  const office: Array<Record<string, unknown>> = [];
  const collect = (value: unknown) => {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v && typeof v === 'object' && !('resourceType' in v)) office.push(v as Record<string, unknown>);
    }
  };
  const asBundle = (es: readonly BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry: es.map((e) => ({ fullUrl: e.fullUrl!, resource: e.resource! })) });
  const whole = { kind: 'fhir' as const, resource: asBundle(entries) as FhirResource };
  const all = converters.find((c) => c.accepts(whole));
  if (all) {
    const r = all.convert(whole, 'office', ctx);
    issues.push(...r.issues);
    collect(r.value);
    return office;
  }
  const taken = new Set<number>();
  for (const c of converters) {
    const mine = entries.map((e, i) => ({ e, i })).filter(({ e, i }) => !taken.has(i) && c.accepts({ kind: 'fhir', resource: e.resource as FhirResource }));
    if (!mine.length) continue;
    mine.forEach(({ i }) => taken.add(i));
    const sub = { kind: 'fhir' as const, resource: asBundle(mine.map((m) => m.e)) as FhirResource };
    if (mine.length > 1 && c.accepts(sub)) {
      const r = c.convert(sub, 'office', ctx);
      issues.push(...r.issues);
      collect(r.value);
      continue;
    }
    for (const { e, i } of mine) {
      const r = c.convert({ kind: 'fhir', resource: e.resource as FhirResource }, 'office', ctx);
      issues.push(...placeIssues(r.issues, e.resource!.resourceType, `Bundle.entry[${i}].resource`));
      collect(r.value);
    }
  }
  return office;
}

/** `Patient.birthDate` -> `Bundle.entry[0].resource.birthDate`: issues of one entry placed in the Bundle. */
function placeIssues(list: readonly Issue[], resourceType: string, at: string): Issue[] {
  return list.map((x) => ({
    ...x,
    expression: (x.expression ?? [resourceType]).map((p) => (p === resourceType ? at : p.startsWith(`${resourceType}.`) ? `${at}${p.slice(resourceType.length)}` : `${at}.${p}`)),
  }));
}
