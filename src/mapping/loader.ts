/**
 * Loads mapping files from mappings/ once and checks them against their own schema (known
 * datatypes, existing code tables), so a broken mapping fails at start with its file and rule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newAjv } from '../validation/ajv-lazy.js';
import { MAPPINGS_DIR } from '../paths.js';
import { DATATYPES } from './datatypes/index.js';
import type { MappingFile, SegmentMap } from './engine.js';
import { codeTable } from './tables.js';

const MAPPING_SCHEMA = {
  type: 'object',
  required: ['id', 'segments'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    description: { type: 'string' },
    segments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['segment', 'target', 'fields'],
        additionalProperties: false,
        properties: {
          segment: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}$' },
          target: { type: 'string' },
          fields: {
            type: 'array',
            items: {
              type: 'object',
              required: ['field', 'path', 'type'],
              additionalProperties: false,
              properties: {
                field: { type: 'integer', minimum: 1 },
                path: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z][A-Za-z0-9]*)*(\\[\\])?$' },
                type: { type: 'string' },
                repeat: { type: 'boolean' },
                required: { type: 'boolean' },
                table: { type: 'string' },
                params: { type: 'object', additionalProperties: { type: 'string' } },
                match: { type: 'object', additionalProperties: { type: 'string' } },
                note: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;

let mappingCheck: ReturnType<ReturnType<typeof newAjv>['compile']> | undefined;
/** The mapping schema, compiled on the first check (../validation/ajv-lazy.ts says why). */
const checker = () => (mappingCheck ??= newAjv({ allErrors: true }).compile(MAPPING_SCHEMA));
const cache = new Map<string, MappingFile>();

/** `PID-8 (rule 4)` for an ajv instance path such as /segments/0/fields/3/type, from the file itself. */
function ruleAt(m: unknown, instancePath: string): string {
  const [, , si, , fi] = instancePath.split('/');
  const seg = (m as { segments?: Array<{ segment?: unknown; fields?: Array<{ field?: unknown }> }> })?.segments?.[Number(si)];
  if (si === undefined || !seg) return instancePath || '(file)';
  if (fi === undefined) return `segment ${String(seg.segment ?? Number(si) + 1)}`;
  return `${String(seg.segment ?? '?')}-${String(seg.fields?.[Number(fi)]?.field ?? '?')} (rule ${Number(fi) + 1})`;
}

/**
 * Check one parsed mapping file: its schema, then what the schema cannot see (every named
 * datatype exists, every code table exists). Each problem is one string naming the file and the
 * rule (`mappings/adt.json: IN1-17 (rule 5) uses unknown code table "0063x"`).
 */
export function mappingFileProblems(file: string, m: unknown, tableExists: (id: string) => boolean = (id) => codeTable(id) !== undefined): string[] {
  const check = checker();
  if (!check(m)) return (check.errors ?? []).map((e) => `${file}: ${ruleAt(m, e.instancePath)} ${e.instancePath} ${e.message}`);
  const out: string[] = [];
  for (const s of (m as MappingFile).segments) {
    s.fields.forEach((f, i) => {
      const rule = `${s.segment}-${f.field} (rule ${i + 1})`;
      if (!DATATYPES[f.type]) out.push(`${file}: ${rule} uses unknown datatype "${f.type}"`);
      if (f.table && !tableExists(f.table)) out.push(`${file}: ${rule} uses unknown code table "${f.table}"`);
    });
  }
  return out;
}

/** Load mappings/<name>.json (cached). Throws on a malformed file: a startup error (checkMappingsAtStart runs first), not bad input. */
export function loadMapping(name: string): MappingFile {
  const hit = cache.get(name);
  if (hit) return hit;
  const file = join(MAPPINGS_DIR, `${name}.json`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as MappingFile;
  const problems = mappingFileProblems(`mappings/${name}.json`, m);
  if (problems.length) throw new Error(problems.join('; '));
  cache.set(name, m);
  return m;
}

/** Forget every loaded mapping file: the next loadMapping reads the file on disk (replay, src/mapping/version.ts). */
export function clearMappingCache(): void {
  cache.clear();
}

/** The map for one segment in a mapping file. */
export function segmentMap(mapping: MappingFile, segment: string, target?: string): SegmentMap {
  const s = mapping.segments.find((x) => x.segment === segment && (target === undefined || x.target === target));
  if (!s) throw new Error(`mappings/${mapping.id}: no map for segment ${segment}${target ? ` -> ${target}` : ''}`);
  return s;
}
