/**
 * Office records (registration, appointment, billing encounter, results inbox) have no standard;
 * ours are JSON Schemas in profiles/office/*.schema.json, one per `recordType` (each schema has
 * `properties.recordType.const`). They are compiled once with ajv; errors become issues whose
 * expression is a FHIRPath-like path into the record (`insurance[0].memberId`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { addFormats, newAjv, newAjv2020 } from './ajv-lazy.js';
import { hasErrors, issue, type Issue, type Result } from '../domain/issues.js';
import type { OfficeRecord } from '../domain/office-record.js';
import { PROFILES_DIR } from '../paths.js';

export const OFFICE_SCHEMA_DIR = join(PROFILES_DIR, 'office');

interface OfficeValidators {
  byType: Map<string, { file: string; validate: ValidateFunction }>;
  loadIssues: Issue[];
}

let cached: OfficeValidators | undefined;

function load(dir = OFFICE_SCHEMA_DIR): OfficeValidators {
  const out: OfficeValidators = { byType: new Map(), loadIssues: [] };
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort();
  } catch {
    return out; // no office schemas yet
  }
  // One instance per draft; allErrors so a record gets all its problems at once.
  const draft07 = newAjv({ allErrors: true, strict: false });
  const draft2020 = newAjv2020({ allErrors: true, strict: false });
  addFormats(draft07);
  addFormats(draft2020);
  for (const f of files) {
    const file = join(dir, f);
    try {
      const schema = JSON.parse(readFileSync(file, 'utf8')) as { $schema?: string; properties?: { recordType?: { const?: unknown } } };
      const recordType = schema.properties?.recordType?.const;
      if (typeof recordType !== 'string') {
        out.loadIssues.push(issue('OFFICE_SCHEMA', `${f}: properties.recordType.const is missing; the schema cannot be selected.`));
        continue;
      }
      const ajv = schema.$schema?.includes('2020-12') ? draft2020 : draft07;
      out.byType.set(recordType, { file: f, validate: ajv.compile(schema) });
    } catch (e) {
      out.loadIssues.push(issue('OFFICE_SCHEMA', `${f}: cannot be compiled (${(e as Error).message}).`));
    }
  }
  return out;
}

function validators(): OfficeValidators {
  cached ??= load();
  return cached;
}

/** Reload the office schemas (tests, or after a schema file changed). */
export function reloadOfficeSchemas(dir?: string): Issue[] {
  cached = load(dir);
  return [...cached.loadIssues];
}

export function officeRecordTypes(): string[] {
  return [...validators().byType.keys()];
}

/** `/insurance/0/memberId` -> `insurance[0].memberId` */
export function pointerToPath(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

function toIssue(e: ErrorObject): Issue {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') {
    const where = pointerToPath(e.instancePath, String(params.missingProperty));
    return issue('OFFICE_SCHEMA', `${where} is required but missing.`, where);
  }
  if (e.keyword === 'additionalProperties') {
    const where = pointerToPath(e.instancePath, String(params.additionalProperty));
    return issue('OFFICE_SCHEMA', `${where} is not a known field of this record.`, where);
  }
  const where = pointerToPath(e.instancePath) || '(record)';
  let detail = e.message ?? e.keyword;
  if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) detail = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
  if (e.keyword === 'const') detail = `must be ${JSON.stringify(params.allowedValue)}`;
  return issue('OFFICE_SCHEMA', `${where} ${detail}.`, where);
}

export function validateOfficeRecord(record: unknown): Issue[] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return [issue('OFFICE_SCHEMA', 'An office record must be a JSON object with a recordType.')];
  }
  const v = validators();
  const rt = (record as Record<string, unknown>).recordType;
  const hit = typeof rt === 'string' ? v.byType.get(rt) : undefined;
  if (!hit) {
    const known = [...v.byType.keys()].join(', ') || 'none loaded';
    return [issue('OFFICE_SCHEMA', `Unknown recordType ${JSON.stringify(rt)} (known: ${known}).`, 'recordType')];
  }
  try {
    if (hit.validate(record)) return [];
    const seen = new Set<string>();
    const out: Issue[] = [];
    for (const e of hit.validate.errors ?? []) {
      // oneOf/anyOf branches repeat the same complaint; keep each message once.
      const i = toIssue(e);
      const k = `${i.expression?.[0]}|${i.diagnostics}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(i);
      }
    }
    return out;
  } catch (e) {
    return [issue('INTERNAL', `Office record validation failed unexpectedly: ${(e as Error).message}`)];
  }
}

/**
 * An office record that passes its schema, typed as the record its schema describes (the JSON
 * Schemas in profiles/office/ are the contract of the types in src/domain/office-record.ts).
 */
export function checkOfficeRecord(record: unknown): Result<OfficeRecord> {
  const issues = validateOfficeRecord(record);
  return { value: hasErrors(issues) ? undefined : (record as OfficeRecord), issues };
}
