/**
 * Where the resources of a FHIR transaction go: into the verticals' converters (../registry.ts),
 * each producing the office records it keeps.
 */
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import type { Issue } from '../../domain/issues.js';
import { converters } from '../registry.js';
import type { Converted, FlowContext, OfficeRecord } from '../types.js';

/**
 * Route the resources into the verticals' converters for their office records: the whole Bundle
 * when one converter takes it (a registration: Patient + Coverage; an appointment with its
 * patient), else per converter the resources it takes (as a Bundle when it accepts that, one by
 * one otherwise). Converter issues are added to `issues`.
 */
export function routeToConverters(entries: ReadonlyArray<BundleEntry<FhirResource>>, ctx: FlowContext, issues: Issue[]): OfficeRecord[] {
  const office: OfficeRecord[] = [];
  const collect = (value: Converted | undefined) => {
    if (value?.to === 'office') office.push(...value.records);
  };
  const withResource = entries.flatMap((e, i) => (e.resource ? [{ resource: e.resource, fullUrl: e.fullUrl, i }] : []));
  const asBundle = (es: ReadonlyArray<{ resource: FhirResource; fullUrl?: string | undefined }>): Bundle =>
    ({ resourceType: 'Bundle', type: 'collection', entry: es.map((e) => ({ ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}), resource: e.resource })) });
  const whole = { kind: 'fhir' as const, resource: asBundle(withResource) };
  const all = converters.find((c) => c.accepts(whole));
  if (all) {
    const r = all.convert(whole, 'office', ctx);
    issues.push(...r.issues);
    collect(r.value);
    return office;
  }
  const taken = new Set<number>();
  for (const c of converters) {
    const mine = withResource.filter(({ resource, i }) => !taken.has(i) && c.accepts({ kind: 'fhir', resource }));
    if (!mine.length) continue;
    mine.forEach(({ i }) => taken.add(i));
    const sub = { kind: 'fhir' as const, resource: asBundle(mine) };
    if (mine.length > 1 && c.accepts(sub)) {
      const r = c.convert(sub, 'office', ctx);
      issues.push(...r.issues);
      collect(r.value);
      continue;
    }
    for (const { resource, i } of mine) {
      const r = c.convert({ kind: 'fhir', resource }, 'office', ctx);
      issues.push(...placeIssues(r.issues, resource.resourceType, `Bundle.entry[${i}].resource`));
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
