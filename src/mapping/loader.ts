/**
 * Loads mapping files from mappings/ once and checks them against their own schema (known
 * datatypes, existing code tables), so a broken mapping fails at start with its file and rule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
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

const check = new Ajv({ allErrors: true }).compile(MAPPING_SCHEMA);
const cache = new Map<string, MappingFile>();

/** Load mappings/<name>.json (cached). Throws at load time on a malformed file: a startup error, not bad input. */
export function loadMapping(name: string): MappingFile {
  const hit = cache.get(name);
  if (hit) return hit;
  const file = join(MAPPINGS_DIR, `${name}.json`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as MappingFile;
  if (!check(m)) throw new Error(`mappings/${name}.json: ${check.errors?.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  for (const s of m.segments) {
    for (const f of s.fields) {
      if (!DATATYPES[f.type]) throw new Error(`mappings/${name}.json: ${s.segment}-${f.field} uses unknown datatype "${f.type}"`);
      if (f.table && !codeTable(f.table)) throw new Error(`mappings/${name}.json: ${s.segment}-${f.field} uses unknown code table "${f.table}"`);
    }
  }
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
