/**
 * The CapabilityStatement served at GET /fhir/metadata, generated from the FHIR route table the
 * router is built from (src/http/fhir.ts), so what we declare is what we mount. Profiles come from
 * the StructureDefinitions in profiles/ (their `type` and `url`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4.js';
import { PROFILES_DIR } from '../paths.js';
import { revIncludesOf, searchParamsOf } from '../fhir/search-index.js';

export interface FhirRoute {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express path under /fhir. */
  path: string;
  /** What the route declares: a system interaction, a type interaction, or an operation. */
  declares:
    | { level: 'system'; interaction: 'transaction' | 'batch' }
    | { level: 'type'; interaction: 'read' | 'vread' | 'create' | 'update' | 'delete' | 'history-instance' | 'history-type' | 'search-type'; conditional?: boolean }
    | { level: 'type' | 'system'; operation: string; definition: string }
    | { level: 'none' };
}

/** Resource types the gateway stores and serves (the ones its flows and converters produce). */
export const SERVED_TYPES = [
  'Patient', 'RelatedPerson', 'Coverage', 'Organization', 'Practitioner', 'Location', 'Encounter', 'Appointment',
  'ServiceRequest', 'DiagnosticReport', 'Observation', 'Specimen', 'Claim', 'ClaimResponse', 'CoverageEligibilityRequest',
  'Account', 'ChargeItem', 'Procedure', 'Condition',
] as const;

/** Profile canonical URLs per resource type, read once from profiles/. */
export function profilesByType(dir: string = PROFILES_DIR): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return out;
  }
  for (const f of files) {
    try {
      const sd = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { resourceType?: string; type?: string; url?: string };
      if (sd.resourceType !== 'StructureDefinition' || !sd.type || !sd.url) continue;
      if (!out.has(sd.type)) out.set(sd.type, []);
      out.get(sd.type)!.push(sd.url);
    } catch {
      // A broken profile is reported by the validator at load; the capability statement just omits it.
    }
  }
  return out;
}

/** How clients authenticate, for rest.security: SMART (bearer JWTs) when `http.auth.jwt` is configured. */
export interface SecurityDeclaration {
  smart: boolean;
  /** The authorization server's token endpoint (SMART's oauth-uris extension). */
  tokenEndpoint?: string | undefined;
}

/**
 * rest.security: the SMART-on-FHIR service code (terminology.hl7.org CodeSystem
 * restful-security-service) and the oauth-uris extension with the token endpoint, as SMART App
 * Launch asks of a server that takes its tokens; API keys are said in the description.
 */
export function securityOf(sec: SecurityDeclaration | undefined): NonNullable<CapabilityStatement['rest']>[number]['security'] {
  const keys = 'API key: "Authorization: Bearer <key>" or "X-API-Key: <key>".';
  if (!sec?.smart) return { description: `${keys} Scopes per interaction and type as SMART system scopes (system/Patient.rs).` };
  return {
    ...(sec.tokenEndpoint ? {
      extension: [{
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [{ url: 'token', valueUri: sec.tokenEndpoint }],
      }],
    } : {}),
    cors: false,
    service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }], text: 'SMART Backend Services (client_credentials, private_key_jwt)' }],
    description: `Bearer JWT from the configured authorization server (SMART Backend Services; SMART v1 and v2 system scopes enforced per interaction and type; discovery at .well-known/smart-configuration), or an ${keys}`,
  };
}

export function capabilityStatement(routes: readonly FhirRoute[], opts: { baseUrl?: string; name: string; version: string; date?: string; security?: SecurityDeclaration }): CapabilityStatement {
  const profiles = profilesByType();
  const typeInteractions = routes.flatMap((r) => ('interaction' in r.declares && r.declares.level === 'type' ? [r.declares.interaction] : []));
  const typeOps = routes.flatMap((r) => ('operation' in r.declares && r.declares.level === 'type' ? [r.declares] : []));
  const systemInteractions = routes.flatMap((r) => ('interaction' in r.declares && r.declares.level === 'system' ? [r.declares.interaction] : []));
  const systemOps = routes.flatMap((r) => ('operation' in r.declares && r.declares.level === 'system' ? [r.declares] : []));
  const types = new Set<string>([...SERVED_TYPES, ...profiles.keys()]);
  const resource: CapabilityStatementRestResource[] = [...types].sort().map((type) => {
    const r: CapabilityStatementRestResource = {
      type: type as CapabilityStatementRestResource['type'],
      interaction: [...new Set(typeInteractions)].map((code) => ({ code })),
      ...(typeOps.length ? { operation: typeOps.map((o) => ({ name: o.operation, definition: o.definition })) } : {}),
    };
    const p = profiles.get(type);
    if (p?.length) r.supportedProfile = p;
    const conditional = (i: string) => routes.some((x) => 'interaction' in x.declares && x.declares.level === 'type' && x.declares.interaction === i && x.declares.conditional);
    if (typeInteractions.includes('vread')) {
      r.versioning = 'versioned-update';
      r.readHistory = true;
    }
    if (typeInteractions.includes('update')) r.updateCreate = true;
    if (conditional('create')) r.conditionalCreate = true;
    if (conditional('update')) r.conditionalUpdate = true;
    if (conditional('delete')) r.conditionalDelete = 'single';
    if (typeInteractions.includes('read')) r.conditionalRead = 'not-supported';
    if (typeInteractions.includes('search-type')) {
      const params = searchParamsOf(type);
      if (params.size === 0) r.interaction = r.interaction!.filter((i) => i.code !== 'search-type');
      else {
        const rev = revIncludesOf(type);
        r.searchParam = [
          { name: '_id', type: 'token' }, { name: '_lastUpdated', type: 'date' },
          ...[...params.values()].map((p) => ({ name: p.code, type: p.type as 'token', ...(p.url ? { definition: p.url } : {}) })),
          // Reverse chaining (src/http/fhir-search.ts), through the same references as _revinclude.
          ...(rev.length ? [{ name: '_has', type: 'special' as const, documentation: `Reverse chaining of one level, _has:<Type>:<reference parameter>:<parameter>, through ${rev.join(', ')}.` }] : []),
        ];
        r.searchInclude = [...params.values()].filter((p) => p.type === 'reference').map((p) => `${type}:${p.code}`);
        if (rev.length) r.searchRevInclude = rev;
      }
    }
    return r;
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: opts.date ?? new Date().toISOString().slice(0, 10),
    kind: 'instance',
    name: 'Frontdesk',
    title: opts.name,
    software: { name: 'Frontdesk', version: opts.version },
    implementation: { description: 'Frontdesk interoperability gateway', ...(opts.baseUrl ? { url: opts.baseUrl } : {}) },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{
      mode: 'server',
      security: securityOf(opts.security),
      resource,
      ...(systemInteractions.length ? { interaction: systemInteractions.map((code) => ({ code })) } : {}),
      ...(systemOps.length ? { operation: systemOps.map((o) => ({ name: o.operation, definition: o.definition })) } : {}),
    }],
  };
}
