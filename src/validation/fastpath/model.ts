/**
 * Navigation through the R4 model: what a name means under a type (its JSON keys and their
 * types, choice variants expanded), descendants(), and typing JSON values as FHIRPath items.
 */
import { primitiveRule } from '../primitives.js';
import { type Coll, type Item, MALFORMED_DATE, bail, modelData, rootOf } from './core.js';
import { isFpDate, isFpDateTime } from './dates.js';

export const PRIMITIVES = new Set(['base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer', 'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid', 'xhtml']);
export const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);
export const DT_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export interface Child {
  key: string;
  /** `_key`, where a primitive's extensions would be (built once, not per navigation). */
  ext: string;
  t: string;
}
export type ChildInfo = { children: Child[]; byKey?: Map<string, KeyedChild> } | null;

/** A JSON key of a name's children: the value's own key, or its `_key` (primitive extensions). */
interface KeyedChild { child: Child; ext: boolean }

/**
 * A choice (`value[x]` has 11 variants under Observation) is counted by the keys the object has
 * rather than by looking up every variant and its `_variant`: most of those lookups miss, and a
 * missing key costs a full property lookup. Below this many variants the lookups are cheaper.
 */
const COUNT_BY_KEYS_FROM = 4;

export const childCache = new Map<string, Map<string, ChildInfo>>();

/** What `name` means under type `t`: the JSON key(s) to read and their types. */
export function childInfo(t: string, name: string): ChildInfo {
  let byName = childCache.get(t);
  if (!byName) childCache.set(t, (byName = new Map()));
  const hit = byName.get(name);
  if (hit !== undefined) return hit;
  const p = `${t}.${name}`;
  let info: ChildInfo = null;
  const model = modelData();
  const choice = model.choiceTypePaths[p];
  if (choice) {
    info = {
      children: choice.map((T) => {
        const lower = T.charAt(0).toLowerCase() + T.slice(1);
        return { key: name + T, ext: `_${name}${T}`, t: PRIMITIVES.has(lower) ? lower : T };
      }),
    };
  } else {
    const elsewhere = model.pathsDefinedElsewhere[p];
    const type = model.pathType(p);
    const ext = `_${name}`;
    if (elsewhere) info = { children: [{ key: name, ext, t: elsewhere }] };
    else if (type === 'BackboneElement' || type === 'Element') info = { children: [{ key: name, ext, t: p }] };
    else if (type === 'Resource') info = { children: [{ key: name, ext, t: '#resource' }] };
    else if (type) info = { children: [{ key: name, ext, t: type }] };
  }
  byName.set(name, info);
  return info;
}

export const keyTypes = new Map<string, Map<string, string>>();

/** JSON key -> type of every element directly under type `t` (choice variants expanded). */
export function keysOf(t: string): Map<string, string> {
  let m = keyTypes.get(t);
  if (m) return m;
  m = new Map();
  const prefix = `${t}.`;
  const names = new Set<string>();
  const model = modelData();
  for (const p of model.pathsOf(rootOf(t))) if (p.startsWith(prefix) && !p.includes('.', prefix.length)) names.add(p.slice(prefix.length));
  for (const p of Object.keys(model.choiceTypePaths)) if (p.startsWith(prefix) && !p.includes('.', prefix.length)) names.add(p.slice(prefix.length));
  for (const p of Object.keys(model.pathsDefinedElsewhere)) if (p.startsWith(prefix) && !p.includes('.', prefix.length)) names.add(p.slice(prefix.length));
  for (const name of names) for (const c of childInfo(t, name)?.children ?? []) m.set(c.key, c.t);
  keyTypes.set(t, m);
  return m;
}

/** descendants(): every child, grandchild... of each item, typed through the model. */
export function descendants(coll: Coll): Coll {
  const out: Coll = [];
  const visit = (it: Item): void => {
    const v = it.v;
    if (!isObj(v)) return;
    const keys = keysOf(it.t);
    for (const k in v) {
      if (k === 'resourceType') continue;
      if (k.charCodeAt(0) === 95) bail(); // primitive extensions
      const t = keys.get(k);
      if (t === undefined) bail();
      const x = v[k];
      if (Array.isArray(x)) {
        for (const e of x) {
          if (e === null || e === undefined) bail();
          const child = mk(e, t);
          out.push(child);
          visit(child);
        }
      } else {
        if (x === null || x === undefined) bail();
        const child = mk(x, t);
        out.push(child);
        visit(child);
      }
    }
  };
  for (const it of coll) visit(it);
  return out;
}

export function isResourceType(t: string): boolean {
  let cur: string | undefined = t;
  for (let guard = 0; cur && guard < 5; guard++) {
    cur = modelData().type2Parent[cur];
    if (cur === 'Resource') return true;
  }
  return false;
}

export const NUMBER_TYPES = new Set(['integer', 'decimal', 'positiveInt', 'unsignedInt']);
// As the R4 regexes (valid months, days, hours), but a dateTime's time may lack the offset and
// the seconds: fhirpath.js still reads those as DateTime values. Read by isFpDate/isFpDateTime
// (dates.ts); the regexes stay as their definition, which the tests check the scanners against.
export const FP_DATE = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$/;
export const FP_DATETIME = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3])(:[0-5][0-9](:([0-5][0-9]|60)(\.[0-9]+)?)?)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?$/;

/**
 * Whether fhirpath.js reads the value as a date/time of its type (else as a String, and then it
 * throws when comparing it with a date): an instant needs the full R4 form with an offset; a
 * dateTime may omit the offset; a date is YYYY[-MM[-DD]].
 */
export function looksLikeDate(t: string, v: string): boolean {
  if (t === 'instant') return primitiveRule('instant')!.regex!.test(v);
  if (t === 'date') return isFpDate(v);
  return isFpDateTime(v);
}

export function mk(v: unknown, t: string): Item {
  if (t === '#resource') {
    const rt = (v as { resourceType?: unknown })?.resourceType;
    return { v, t: typeof rt === 'string' ? rt : 'Resource' };
  }
  // Data that does not fit its type (a number for a dateTime, a string for a HumanName, a
  // malformed date) is already an error of the walker; how FHIRPath treats it is fhirpath.js's call.
  if (PRIMITIVES.has(t)) {
    const kind = t === 'boolean' ? 'boolean' : NUMBER_TYPES.has(t) ? 'number' : 'string';
    if (typeof v !== kind) bail();
    if (DATE_TYPES.has(t) && !looksLikeDate(t, v as string)) return { v, t: MALFORMED_DATE };
  } else if (!t.startsWith('System.') && typeof v !== 'object') bail();
  return { v, t };
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A navigation site remembers the last type it saw (most sites only ever see one). */
export interface Site {
  name: string;
  t: string;
  info: ChildInfo;
  /** Sites that see many types (after descendants()) keep them all. */
  many?: Map<string, ChildInfo>;
}

/** The ChildInfo of `site.name` under type `t` (remembered on the site). */
function siteInfo(site: Site, t: string): ChildInfo {
  if (t === site.t) return site.info;
  let info = site.many?.get(t);
  if (info === undefined) {
    info = childInfo(t, site.name);
    (site.many ??= new Map()).set(t, info);
  }
  site.t = t;
  site.info = info;
  return info;
}

/**
 * How many items nav(coll, site) would give, with the same bail-outs, without making them:
 * `name.exists()` and `name.empty()` (most invariants) need only that. The one thing not done is
 * telling a malformed date from a good one, which changes an item's type, not whether it exists.
 */
export function navCount(coll: Coll, site: Site): number {
  let n = 0;
  const name = site.name;
  for (const it of coll) {
    const v = it.v;
    if (!isObj(v)) continue;
    const info = siteInfo(site, it.t);
    if (!info) {
      if (v[name] !== undefined) bail();
      continue;
    }
    if (info.children.length >= COUNT_BY_KEYS_FROM) {
      n += countByKeys(v, info);
      continue;
    }
    for (const c of info.children) {
      const x = v[c.key];
      if (v[c.ext] !== undefined) bail();
      if (x === undefined || x === null) continue;
      if (Array.isArray(x)) {
        for (const e of x) {
          if (e === null || e === undefined) bail();
          checkKind(e, c.t);
          n++;
        }
      } else {
        checkKind(x, c.t);
        n++;
      }
    }
  }
  return n;
}

/**
 * navCount's count of one object for a name with many children, walking the object's keys: the
 * same count and the same bail-outs (a present `_key`, a null item, a value of the wrong JSON kind),
 * which do not depend on the order the children are met in. For-in sees the object's enumerable
 * keys, which for JSON data (parsed, or built as literals) are all of its keys.
 */
function countByKeys(v: Record<string, unknown>, info: NonNullable<ChildInfo>): number {
  let byKey = info.byKey;
  if (byKey === undefined) {
    byKey = new Map();
    for (const c of info.children) {
      byKey.set(c.key, { child: c, ext: false });
      byKey.set(c.ext, { child: c, ext: true });
    }
    info.byKey = byKey;
  }
  let n = 0;
  for (const k in v) {
    const kc = byKey.get(k);
    if (kc === undefined) continue;
    const x = v[k];
    if (kc.ext) {
      if (x !== undefined) bail();
      continue;
    }
    if (x === undefined || x === null) continue;
    const t = kc.child.t;
    if (Array.isArray(x)) {
      for (const e of x) {
        if (e === null || e === undefined) bail();
        checkKind(e, t);
        n++;
      }
    } else {
      checkKind(x, t);
      n++;
    }
  }
  return n;
}

/** mk's bail-outs for a value of type t (JSON kind against the type), without making the item. */
function checkKind(v: unknown, t: string): void {
  if (t === '#resource') return;
  if (PRIMITIVES.has(t)) {
    const kind = t === 'boolean' ? 'boolean' : NUMBER_TYPES.has(t) ? 'number' : 'string';
    if (typeof v !== kind) bail();
  } else if (!t.startsWith('System.') && typeof v !== 'object') bail();
}

export function nav(coll: Coll, site: Site): Coll {
  const out: Coll = [];
  const name = site.name;
  for (const it of coll) {
    const v = it.v;
    if (!isObj(v)) continue;
    let info: ChildInfo | undefined;
    if (it.t === site.t) info = site.info;
    else {
      info = site.many?.get(it.t);
      if (info === undefined) {
        info = childInfo(it.t, name);
        (site.many ??= new Map()).set(it.t, info);
      }
      site.t = it.t;
      site.info = info;
    }
    if (!info) {
      if (v[name] !== undefined) bail(); // not in the model but present: let fhirpath.js decide
      continue;
    }
    for (const c of info.children) {
      const x = v[c.key];
      if (v[c.ext] !== undefined) bail(); // primitive extensions: modelled by fhirpath.js
      if (x === undefined || x === null) continue;
      if (Array.isArray(x)) {
        for (const e of x) {
          if (e === null || e === undefined) bail(); // fhirpath.js keeps a value-less node for it
          out.push(mk(e, c.t));
        }
      } else out.push(mk(x, c.t));
    }
  }
  return out;
}
