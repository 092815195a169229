/**
 * The declarative mapping engine: a mapping file (mappings/*.json) lists, per segment, which
 * field goes to which FHIR path through which named datatype transform. The same rules run both
 * ways: readSegment (HL7 -> FHIR object) and writeSegment (FHIR object -> HL7 fields).
 */
import { issue, type Issue, type Result } from '../domain/issues.js';
import type { FieldValue, Hl7Message, Hl7Segment, RepetitionValue } from '../hl7/message.js';
import { unescapeHl7 } from '../hl7/escape.js';
import { splitOn } from '../hl7/split.js';
import { DATATYPES } from './datatypes/index.js';
import type { DatatypeTransform, TransformContext } from './datatypes/types.js';

export interface FieldRule {
  /** HL7 field position (PID-7 -> 7). */
  field: number;
  /** Dotted FHIR path in the target; a trailing '[]' appends to an array. */
  path: string;
  /** Named datatype transform (src/mapping/datatypes). */
  type: string;
  /** Map every repetition (default: the first only). */
  repeat?: boolean;
  /** An empty field is an error naming it. */
  required?: boolean;
  /** Code table id (mappings/tables) for coded types. */
  table?: string;
  /** Parameters for the transform (e.g. { "use": "home" }). */
  params?: Record<string, string>;
  /** Writing back: only array members whose properties equal these belong in this field. */
  match?: Record<string, string>;
  /** Why this rule is as it is (free text, ignored by the engine). */
  note?: string;
}

export interface SegmentMap {
  segment: string;
  /** What the fields build, for readers (e.g. 'Patient', 'Coverage'). */
  target: string;
  fields: FieldRule[];
}

export interface MappingFile {
  id: string;
  description?: string;
  segments: SegmentMap[];
}

export interface EngineContext {
  timezone: string;
}

type Obj = Record<string, unknown>;

/** A rule path split once: mapping files are loaded once, so their few dozen paths recur for every message. */
interface SplitPath { append: boolean; keys: string[] }
const splitPaths = new Map<string, SplitPath>();

function splitPath(path: string): SplitPath {
  let p = splitPaths.get(path);
  if (!p) {
    const append = path.endsWith('[]');
    p = { append, keys: (append ? path.slice(0, -2) : path).split('.') };
    if (splitPaths.size < 10_000) splitPaths.set(path, p);
  }
  return p;
}

function getPath(source: object, path: string): unknown {
  const keys = (path.endsWith('[]') ? path.slice(0, -2) : path).split('.');
  let o: unknown = source;
  for (const k of keys) {
    if (typeof o !== 'object' || o === null) return undefined;
    o = (o as Obj)[k];
  }
  return o;
}

/** `match` values may list alternatives separated by '|' (e.g. { "use": "home|mobile" } for PID.13). */
function matches(v: unknown, match: Record<string, string> | undefined): boolean {
  if (!match) return true;
  return typeof v === 'object' && v !== null
    && Object.entries(match).every(([k, want]) => want.split('|').includes((v as Obj)[k] as string));
}

/**
 * `seg.tree(n)` (repetitions x components x subcomponents, unescaped) with plain loops: it runs
 * for every rule of every segment read, and the closures of the generic version were the largest
 * single cost of a mapping. MSH-1/MSH-2 (never split) keep the generic path.
 */
export function fieldTree(seg: Hl7Segment, n: number): string[][][] {
  const f = seg.fields[n];
  if (f === undefined || f === '') return [];
  if (seg.name === 'MSH' && (n === 1 || n === 2)) return seg.tree(n);
  const d = seg.delimiters;
  const reps = f.indexOf(d.repetition) < 0 ? [f] : splitOn(f, d.repetition);
  const out: string[][][] = new Array(reps.length);
  for (let r = 0; r < reps.length; r++) {
    const rep = reps[r]!;
    const comps = rep.indexOf(d.component) < 0 ? [rep] : splitOn(rep, d.component);
    const tree: string[][] = new Array(comps.length);
    for (let c = 0; c < comps.length; c++) {
      const comp = comps[c]!;
      if (comp.indexOf(d.subcomponent) < 0) {
        tree[c] = [unescapeHl7(comp, d)];
      } else {
        const subs = splitOn(comp, d.subcomponent);
        for (let k = 0; k < subs.length; k++) subs[k] = unescapeHl7(subs[k]!, d);
        tree[c] = subs;
      }
    }
    out[r] = tree;
  }
  return out;
}

/**
 * Where leading/trailing spaces are noise that changes meaning (a date, a number, a code, an
 * identifier; SCH-11.4 "20240301083000 " is not a date until trimmed) they are trimmed with a
 * warning. Free text (names, addresses, comments, displays) keeps its spaces as sent.
 */
const TRIM_ALL = new Set(['DT', 'DTM', 'TS', 'NM', 'ID', 'IS', 'SI', 'TQ', 'CQ', 'EI', 'CX', 'IDENT', 'YN', 'CODING']);
/** Coded types: the code and coding-system components (CWE.1, .3, .4, .6), not the texts. */
const TRIM_CODES = new Set(['CWE', 'CE', 'CNE', 'CWE_OPT']);
const CODE_COMPONENTS = [0, 2, 3, 5];

function trimmedComponents(type: string): readonly number[] | 'all' | undefined {
  if (TRIM_ALL.has(type)) return 'all';
  if (TRIM_CODES.has(type)) return CODE_COMPONENTS;
  return undefined;
}

/** normalizeLeaves' answer: bit 1, it trimmed a leaf; bit 2, some leaf holds text afterwards. */
const TRIMMED = 1;
const NOT_EMPTY = 2;

/**
 * The tolerance policy at the leaf (docs/hl7v2.md): the HL7 null `""` means "explicitly absent"
 * and maps to nothing, in every field and component; leading/trailing spaces are trimmed (said
 * once per field by the caller). Rewrites in place only when needed. One pass also tells whether
 * any leaf is left with text (no repetitions, or only empty leaves: the field is empty).
 */
function normalizeLeaves(reps: string[][][], trim: readonly number[] | 'all' | undefined): number {
  let flags = 0;
  for (let r = 0; r < reps.length; r++) {
    const rep = reps[r]!;
    for (let c = 0; c < rep.length; c++) {
      const comp = rep[c]!;
      const trimHere = trim === 'all' || (trim !== undefined && trim.includes(c));
      for (let k = 0; k < comp.length; k++) {
        const v = comp[k]!;
        if (v === '') continue;
        if (v === '""') { comp[k] = ''; continue; }
        if (trimHere && (v.charCodeAt(0) === 32 || v.charCodeAt(v.length - 1) === 32)) {
          const t = v.trim();
          const out = t === '""' ? '' : t;
          comp[k] = out;
          flags |= out === '' ? TRIMMED : TRIMMED | NOT_EMPTY;
        } else {
          flags |= NOT_EMPTY;
        }
      }
    }
  }
  return flags;
}

/**
 * A field rule as readSegment applies it, worked out once per segment map (mapping files are
 * loaded once; their rules then run for every segment of every message): the transform, the trim
 * policy, the split target path, the location suffix and the text of a "missing" issue.
 */
interface CompiledRule {
  rule: FieldRule;
  field: number;
  required: boolean;
  repeat: boolean;
  table: string | undefined;
  params: Record<string, string> | undefined;
  transform: DatatypeTransform | undefined;
  trim: readonly number[] | 'all' | undefined;
  path: SplitPath;
  /** `.7`: appended to the segment's location (`PID`, `OBX[3]`). */
  suffix: string;
  /** `Patient.birthDate`: what a required field builds, for its MAP_MISSING issue. */
  builds: string;
}

const compiledMaps = new WeakMap<SegmentMap, CompiledRule[]>();

function compiledRules(map: SegmentMap): CompiledRule[] {
  let rules = compiledMaps.get(map);
  if (!rules) {
    rules = map.fields.map((rule) => ({
      rule,
      field: rule.field,
      required: !!rule.required,
      repeat: !!rule.repeat,
      table: rule.table || undefined,
      params: rule.params || undefined,
      transform: DATATYPES[rule.type],
      trim: trimmedComponents(rule.type),
      path: splitPath(rule.path),
      suffix: `.${rule.field}`,
      builds: `${map.target}.${rule.path.replace('[]', '')}`,
    }));
    compiledMaps.set(map, rules);
  }
  return rules;
}

function setSplitPath(target: Obj, { append, keys }: SplitPath, value: unknown): void {
  let o = target;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Obj;
  }
  const last = keys[keys.length - 1]!;
  if (append) {
    const arr = Array.isArray(o[last]) ? (o[last] as unknown[]) : (o[last] = []) as unknown[];
    arr.push(value);
  } else {
    o[last] = value;
  }
}

/** Apply a segment map to one segment: HL7 -> a FHIR-shaped object. */
export function readSegment(msg: Hl7Message, seg: Hl7Segment, map: SegmentMap, ctx: EngineContext, into: Obj = {}): Result<Obj> {
  const issues: Issue[] = [];
  // `PID` or `OBX[3]`: counted once per segment rather than once per field rule.
  const label = msg.location(seg);
  const fields = seg.fields;
  const rules = compiledRules(map);
  for (let i = 0; i < rules.length; i++) {
    const c = rules[i]!;
    const t = c.transform;
    if (!t) { issues.push(issue('INTERNAL', `Mapping uses unknown datatype ${c.rule.type}.`, label + c.suffix)); continue; }
    const raw = fields[c.field];
    // An absent or empty field (most rules of most segments) has nothing to split or read.
    if (raw === undefined || raw === '') {
      if (c.required) issues.push(issue('MAP_MISSING', `${label}${c.suffix} is required to build ${c.builds} but is empty.`, label + c.suffix));
      continue;
    }
    const where = label + c.suffix;
    const reps = fieldTree(seg, c.field);
    const flags = normalizeLeaves(reps, c.trim);
    if ((flags & NOT_EMPTY) === 0) {
      if (c.required) issues.push(issue('MAP_MISSING', `${where} is required to build ${c.builds} but is ${raw === '""' ? 'the HL7 null ""' : 'empty'}.`, where));
      continue;
    }
    if ((flags & TRIMMED) !== 0) {
      issues.push(issue('MAP_TRIMMED', `${where} has leading or trailing spaces; read without them.`, where, 'warning'));
    }
    // One shape for every rule's context (table and params undefined when the rule has none).
    const tctx: TransformContext = { where, timezone: ctx.timezone, table: c.table, params: c.params };
    let mapped = 0;
    const count = c.repeat ? reps.length : 1;
    for (let k = 0; k < count; k++) {
      const r = t.toFhir(reps[k]!, tctx);
      const found = r.issues;
      for (let j = 0; j < found.length; j++) issues.push(found[j]!);
      if (r.value !== undefined) { setSplitPath(into, c.path, r.value); mapped++; }
    }
    if (c.required && mapped === 0 && !issues.some((x) => x.expression?.includes(where))) {
      issues.push(issue('MAP_MISSING', `${where} holds no usable value for ${c.builds}.`, where));
    }
  }
  return { value: into, issues };
}

/** Apply a segment map backwards: a FHIR-shaped object -> HL7 fields keyed by number. */
export function writeSegment(source: object, map: SegmentMap, ctx: EngineContext): Record<number, FieldValue> {
  const fields: Record<number, FieldValue> = {};
  for (const rule of map.fields) {
    const t = DATATYPES[rule.type];
    if (!t) continue;
    const raw = getPath(source, rule.path);
    const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v) => matches(v, rule.match));
    const tctx = { where: `${map.segment}.${rule.field}`, timezone: ctx.timezone, ...(rule.table ? { table: rule.table } : {}), ...(rule.params ? { params: rule.params } : {}) };
    const reps = (rule.repeat ? values : values.slice(0, 1))
      .map((v) => t.fromFhir(v, tctx))
      .filter((r): r is RepetitionValue => r !== undefined);
    if (reps.length === 1) fields[rule.field] = reps[0]!;
    else if (reps.length > 1) fields[rule.field] = { repeat: reps };
  }
  return fields;
}
