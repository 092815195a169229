/**
 * Code tables: HL7 table <-> FHIR code system, kept as data in mappings/tables/*.json and
 * loaded once. Each file: { id: "0001", name, hl7System, fhirSystem, map: [{ hl7, fhir, display }],
 * reverse?: { <fhir code>: <hl7 code> } } (reverse picks the HL7 code when several map to one FHIR code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newAjv } from '../validation/ajv-lazy.js';
import { MAPPINGS_DIR } from '../paths.js';

export interface CodeTableEntry { hl7: string; fhir: string; display?: string }
export interface CodeTable {
  id: string;
  name: string;
  hl7System: string;
  fhirSystem: string;
  map: CodeTableEntry[];
  reverse?: Record<string, string>;
  /**
   * Codes senders use that are not the table's (`Female`, ISO 5218 `2`), each -> the table code it
   * means (case-insensitive). Read with a warning naming the field (tolerance policy, docs/hl7v2.md).
   */
  aliases?: Record<string, string>;
  /** The table code an unknown code is read as, with a warning (0001: U); absent: an unknown code is an error. */
  otherwise?: string;
}

/** How a code was read: as sent, through an alias, or as the table's `otherwise`. */
export interface CodeReading { entry: CodeTableEntry; how: 'exact' | 'alias' | 'otherwise' }

const TABLE_SCHEMA = {
  type: 'object',
  required: ['id', 'name', 'hl7System', 'fhirSystem', 'map'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1 },
    name: { type: 'string' },
    description: { type: 'string' },
    hl7System: { type: 'string' },
    fhirSystem: { type: 'string' },
    map: {
      type: 'array',
      items: {
        type: 'object', required: ['hl7', 'fhir'], additionalProperties: false,
        properties: { hl7: { type: 'string' }, fhir: { type: 'string' }, display: { type: 'string' } },
      },
    },
    reverse: { type: 'object', additionalProperties: { type: 'string' } },
    aliases: { type: 'object', additionalProperties: { type: 'string' } },
    otherwise: { type: 'string' },
  },
} as const;

interface Indexed { table: CodeTable; byHl7: Map<string, CodeTableEntry>; byFhir: Map<string, string>; aliases: Map<string, string> }

let cache: Map<string, Indexed> | undefined;
let tableCheck: ReturnType<ReturnType<typeof newAjv>['compile']> | undefined;
/** The table schema, compiled on the first check (../validation/ajv-lazy.ts says why). */
const checkTable = () => (tableCheck ??= newAjv({ allErrors: true }).compile(TABLE_SCHEMA));

/** Problems of one parsed table file, each naming the file and the entry (`map[3]`). */
export function codeTableProblems(file: string, t: unknown): string[] {
  if (checkTable()(t)) {
    const table = t as CodeTable;
    const codes = new Set(table.map.map((e) => e.hl7.toUpperCase()));
    const out = Object.entries(table.aliases ?? {}).filter(([, v]) => !codes.has(v.toUpperCase()))
      .map(([k, v]) => `${file}: alias "${k}" -> "${v}", which is not a code of the table`);
    if (table.otherwise !== undefined && !codes.has(table.otherwise.toUpperCase())) out.push(`${file}: otherwise "${table.otherwise}" is not a code of the table`);
    return out;
  }
  return (checkTable().errors ?? []).map((e) => {
    const entry = /^\/map\/(\d+)/.exec(e.instancePath);
    return `${file}: ${entry ? `entry ${Number(entry[1]) + 1} (map[${entry[1]}])` : e.instancePath || '(file)'} ${e.message}`;
  });
}

/** Forget the loaded code tables: the next lookup reads mappings/tables/ again (replay, src/mapping/version.ts). */
export function clearTableCache(): void {
  cache = undefined;
}

/** Load (once) and index every table; a malformed table file is a startup error naming the file. */
function tables(): Map<string, Indexed> {
  if (cache) return cache;
  const dir = join(MAPPINGS_DIR, 'tables');
  const out = new Map<string, Indexed>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const t = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CodeTable;
    const problems = codeTableProblems(`mappings/tables/${f}`, t);
    if (problems.length) throw new Error(problems.join('; '));
    const byHl7 = new Map(t.map.map((e) => [e.hl7.toUpperCase(), e] as const));
    const byFhir = new Map<string, string>();
    for (const e of t.map) if (!byFhir.has(e.fhir)) byFhir.set(e.fhir, e.hl7);
    for (const [k, v] of Object.entries(t.reverse ?? {})) byFhir.set(k, v);
    const aliases = new Map(Object.entries(t.aliases ?? {}).map(([k, v]) => [k.toUpperCase(), v.toUpperCase()] as const));
    for (const [alias, code] of aliases) {
      if (!byHl7.has(code)) throw new Error(`mappings/tables/${f}: alias "${alias}" -> "${code}", which is not a code of the table`);
    }
    if (t.otherwise !== undefined && !byHl7.has(t.otherwise.toUpperCase())) throw new Error(`mappings/tables/${f}: otherwise "${t.otherwise}" is not a code of the table`);
    out.set(t.id, { table: t, byHl7, byFhir, aliases });
  }
  cache = out;
  return out;
}

export function codeTable(id: string): CodeTable | undefined {
  return tables().get(id)?.table;
}

/** HL7 code -> FHIR code (case-insensitive on the HL7 side); undefined when unknown. */
export function toFhirCode(tableId: string, hl7Code: string): CodeTableEntry | undefined {
  return tables().get(tableId)?.byHl7.get(hl7Code.toUpperCase());
}

/**
 * HL7 code -> FHIR code under the tolerance policy: the code as sent, else an alias the table
 * lists, else the table's `otherwise` code; undefined when none applies (an error for the caller).
 */
export function readCode(tableId: string, hl7Code: string): CodeReading | undefined {
  const t = tables().get(tableId);
  if (!t) return undefined;
  const key = hl7Code.trim().toUpperCase();
  const exact = t.byHl7.get(key);
  if (exact) return { entry: exact, how: 'exact' };
  const alias = t.aliases.get(key);
  if (alias) return { entry: t.byHl7.get(alias)!, how: 'alias' };
  if (t.table.otherwise !== undefined) return { entry: t.byHl7.get(t.table.otherwise.toUpperCase())!, how: 'otherwise' };
  return undefined;
}

/** FHIR code -> HL7 code; undefined when unknown. */
export function toHl7Code(tableId: string, fhirCode: string): string | undefined {
  return tables().get(tableId)?.byFhir.get(fhirCode);
}

export function tableIds(): string[] {
  return [...tables().keys()];
}
