/**
 * The walker: checks one resource (JSON as received) against a compiled structure and appends
 * issues. One pass over the data: unknown keys, array vs single, primitive formats, cardinality,
 * choice exclusivity, fixed/pattern, required bindings, reference targets, then the element's
 * compiled invariants. It never throws on data; a failing FHIRPath evaluation becomes an issue.
 */
import { issue, type Issue } from '../domain/issues.js';
import type { CompiledStructure, ElementRule, Shape, TypeRef, ValueSlice } from './compile.js';
import type { Constraint } from './invariants.js';
import { checkPrimitive } from './primitives.js';
import { expandValueSet, stripVersion } from './terminology.js';
import { deepEqual, matchesPattern } from './values.js';
import type { ExtensionResolution } from './registry.js';
import { checkCodingSystem, checkElementId, extensionType } from './rules/elements.js';

type Json = Record<string, unknown>;

export interface WalkContext {
  issues: Issue[];
  /** The resource whose invariants are being evaluated (%resource). */
  resource: Json;
  /** The outermost resource (%rootResource): the container of contained resources. */
  rootResource: Json;
  /** Bundle fullUrl -> resourceType, to check urn:uuid reference targets. */
  fullUrls: Map<string, string> | undefined;
  /** While walking a Bundle, entry resources are validated separately against their profiles. */
  skipEntryResources: boolean;
  /** Base structure of a resource type (for contained and nested resources). */
  structureFor: (type: string) => CompiledStructure | undefined;
  /** The element Shape used for `_x` primitive extensions (Element: id + extension). */
  elementShape: Shape;
  /** Value sets already reported as not checkable (one information issue each). */
  notChecked: Set<string>;
  /** How many objects deep the walk is (nested Bundles included), against MAX_DEPTH. */
  depth: number;
  /** What an extension URL resolves to (definition, accepted without one, or unknown). */
  resolveExtension: (url: string) => ExtensionResolution;
  /** Element ids seen so far in the current resource (unique per resource); made on the first id. */
  elementIds: Set<string> | undefined;
  /**
   * The element whose value is being walked: its definition path (`Patient.name`) and type
   * (`HumanName`), where an extension found inside it is used (its definition's context).
   */
  ownerPath: string;
  ownerType: string;
  /** The FHIRPath environment of the current resource (see envOf). */
  env: Record<string, unknown> | undefined;
}

/**
 * Deeper than this, the walk stops and says so: hostile input nested thousands of levels deep
 * would otherwise overflow the stack. Legitimate resources (nested Questionnaire items included)
 * stay far below it.
 */
export const MAX_DEPTH = 200;

const UCUM = 'http://unitsofmeasure.org';

export function walkResource(res: Json, structure: CompiledStructure, path: P, ctx: WalkContext): void {
  ctx.ownerPath = ctx.ownerType = structure.type;
  walkObject(res, structure.shape, path, ctx, true);
}

/**
 * A FHIRPath location, built lazily: walking creates one small segment per element and the
 * string (`Patient.name[0].given[1]`) is only made when an issue needs it.
 */
export interface Seg {
  p: P;
  k: string | number;
  str: string | undefined;
}
export type P = string | Seg;

export function pathOf(p: P): string {
  if (typeof p === 'string') return p;
  return (p.str ??= typeof p.k === 'number' ? `${pathOf(p.p)}[${p.k}]` : `${pathOf(p.p)}.${p.k}`);
}

function seg(p: P, k: string | number): Seg {
  return { p, k, str: undefined };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonKind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

export function walkObject(obj: Json, shape: Shape, path: P, ctx: WalkContext, isResource: boolean): void {
  if (ctx.depth >= MAX_DEPTH) {
    ctx.issues.push(issue('FHIR_STRUCTURE', `Nested more than ${MAX_DEPTH} levels deep; what is below is not checked.`, pathOf(path)));
    return;
  }
  // No try/finally: the walk does not throw on data, and when the engine fails, validateResource
  // drops the whole context.
  ctx.depth++;
  let seenChoice: Map<ElementRule, string> | undefined;
  /** Required elements met in this object (their ElementRule.reqBit). */
  let met = 0;
  const byKey = shape.byKey;
  if (!isResource && typeof obj.id === 'string') checkElementId(obj.id, path, ctx);
  for (const key in obj) {
    if (isResource && key === 'resourceType') continue;
    const v = obj[key];
    if (key.charCodeAt(0) === 95 /* '_' */) {
      walkPrimitiveExtension(obj, key, v, shape, path, ctx);
      continue;
    }
    const rule = byKey[key];
    if (rule === undefined) {
      ctx.issues.push(issue('FHIR_UNKNOWN_ELEMENT', `Unknown element "${key}": ${shape.path} has no such element.`, `${pathOf(path)}.${key}`));
      continue;
    }
    if (v !== undefined) met |= rule.reqBit;
    if (rule.choice) {
      seenChoice ??= new Map();
      const other = seenChoice.get(rule);
      if (other !== undefined) {
        ctx.issues.push(issue('FHIR_STRUCTURE', `Only one of ${rule.display}[x] may be present; found ${other} and ${key}.`, `${pathOf(path)}.${key}`));
        continue;
      }
      seenChoice.set(rule, key);
    }
    const type = rule.single ?? rule.variants.get(key)!;
    if (rule.array) {
      const where: P = { p: path, k: key, str: undefined };
      if (!Array.isArray(v)) {
        ctx.issues.push(issue('FHIR_STRUCTURE', `${key} must be a JSON array (it repeats), not a JSON ${jsonKind(v)}.`, pathOf(where)));
        continue;
      }
      if (v.length === 0) {
        ctx.issues.push(issue('FHIR_STRUCTURE', `${key} is an empty array; omit the element instead.`, pathOf(where)));
        continue;
      }
      if (v.length > rule.max) {
        ctx.issues.push(issue('FHIR_CARDINALITY', `${key} has ${v.length} items; at most ${rule.max} allowed.`, pathOf(where)));
      }
      if (rule.slices) {
        walkExtensionSlices(v, rule, type, where, shape, ctx);
        continue;
      }
      if (rule.valueSlices) countValueSlices(v, rule, where, ctx);
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (item === null && type.primitive) {
          // A null value is allowed only when the matching `_key` item carries the extension.
          const ext = obj[`_${key}`];
          if (!(Array.isArray(ext) && isObject(ext[i]))) {
            ctx.issues.push(issue('FHIR_STRUCTURE', `${key}[${i}] is null without a matching _${key}[${i}].`, `${pathOf(where)}[${i}]`));
          }
          continue;
        }
        walkValue(item, rule, rule.isExtension ? extensionType(item, type, shape, seg(where, i), ctx) : type, where, i, ctx);
      }
    } else {
      if (Array.isArray(v)) {
        ctx.issues.push(issue('FHIR_STRUCTURE', `${key} must be a single value, not an array (max cardinality 1).`, pathOf(seg(path, key))));
        continue;
      }
      if (rule.max === 0) {
        ctx.issues.push(issue('FHIR_CARDINALITY', `${key} is not allowed by the profile (max 0).`, pathOf(seg(path, key))));
        continue;
      }
      walkValue(v, rule, type, path, key, ctx);
    }
  }
  if (shape.sliceMins) checkAbsentSlices(obj, shape, path, ctx);
  const required = shape.required;
  for (let r = 0; r < required.length; r++) {
    const rule = required[r]!;
    let present = (met & rule.reqBit) !== 0;
    if (!present) for (const key of rule.presenceKeys) {
      if (obj[key] !== undefined) {
        present = true;
        break;
      }
    }
    if (!present) {
      const many = rule.min > 1 ? ` (at least ${rule.min})` : '';
      ctx.issues.push(issue('FHIR_REQUIRED', `${rule.display}${rule.choice ? '[x]' : ''} is required${many} but missing.`, `${pathOf(path)}.${rule.display}`));
    } else if (rule.min > 1 && rule.array) {
      const key = rule.presenceKeys[0]!;
      const n = Array.isArray(obj[key]) ? (obj[key] as unknown[]).length : 0;
      if (n < rule.min) ctx.issues.push(issue('FHIR_REQUIRED', `${rule.display} needs at least ${rule.min} items; found ${n}.`, `${pathOf(path)}.${rule.display}`));
    }
  }
  if (shape.constraints.length) evaluateConstraints(shape.constraints, obj, path, ctx);
  ctx.depth--;
}

/** Extensions of a sliced element: each checked against its slice (by url), then slice counts. */
export function walkExtensionSlices(items: unknown[], rule: ElementRule, type: TypeRef, where: P, shape: Shape, ctx: WalkContext): void {
  const slices = rule.slices!;
  const counts = new Array<number>(slices.length).fill(0);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const url = isObject(item) ? item.url : undefined;
    const k = typeof url === 'string' ? slices.findIndex((s) => s.url === url) : -1;
    const at: P = { p: where, k: i, str: undefined };
    if (k >= 0) counts[k]!++;
    const use = k >= 0 ? slices[k]!.type : extensionType(item, type, shape, at, ctx);
    walkValue(item, rule, use, where, i, ctx);
  }
  slices.forEach((s, k) => {
    if (counts[k]! < s.min) ctx.issues.push(issue('FHIR_REQUIRED', `Slice ${s.name}: at least ${s.min} extension(s) with url ${s.url} required; found ${counts[k]}.`, pathOf(where)));
    if (counts[k]! > s.max) ctx.issues.push(issue('FHIR_CARDINALITY', `Slice ${s.name}: at most ${s.max} extension(s) with url ${s.url} allowed; found ${counts[k]}.`, pathOf(where)));
  });
}

/** Slices by value/pattern (`coding` with system and code): how many items match each. */
export function countValueSlices(items: unknown[], rule: ElementRule, where: P, ctx: WalkContext): void {
  for (const s of rule.valueSlices!) {
    let n = 0;
    for (const item of items) {
      let all = true;
      for (const m of s.match) {
        const v = m.key === undefined ? item : isObject(item) ? item[m.key] : undefined;
        if (v === undefined || !matchesPattern(v, m.value)) {
          all = false;
          break;
        }
      }
      if (all) n++;
    }
    if (n < s.min) ctx.issues.push(issue('FHIR_REQUIRED', `Slice ${s.name}: at least ${s.min} ${rule.display} matching ${describeSlice(s)} required; found ${n}.`, pathOf(where)));
    if (n > s.max) ctx.issues.push(issue('FHIR_CARDINALITY', `Slice ${s.name}: at most ${s.max} ${rule.display} matching ${describeSlice(s)} allowed; found ${n}.`, pathOf(where)));
  }
}

function describeSlice(s: ValueSlice): string {
  return s.match.map((m) => `${m.key ?? '$this'}=${clip(JSON.stringify(m.value))}`).join(', ');
}

/** Required slices of a sliced element that is absent altogether. */
export function checkAbsentSlices(obj: Json, shape: Shape, path: P, ctx: WalkContext): void {
  for (const rule of shape.sliceMins!) {
    const key = rule.name;
    if (obj[key] !== undefined) continue; // present: counted by walkExtensionSlices
    for (const s of rule.slices ?? []) {
      if (s.min > 0) ctx.issues.push(issue('FHIR_REQUIRED', `Slice ${s.name}: at least ${s.min} extension(s) with url ${s.url} required; found 0.`, `${pathOf(path)}.${key}`));
    }
    for (const s of rule.valueSlices ?? []) {
      if (s.min > 0) ctx.issues.push(issue('FHIR_REQUIRED', `Slice ${s.name}: at least ${s.min} ${key} matching ${describeSlice(s)} required; found 0.`, `${pathOf(path)}.${key}`));
    }
  }
}

function walkPrimitiveExtension(obj: Json, key: string, v: unknown, shape: Shape, path: P, ctx: WalkContext): void {
  const name = key.slice(1);
  const rule = shape.elements.get(name);
  const type = rule?.variants.get(name);
  if (!rule || !type?.primitive) {
    ctx.issues.push(issue('FHIR_UNKNOWN_ELEMENT', `Unknown element "${key}": ${shape.path} has no primitive element "${name}".`, `${pathOf(path)}.${key}`));
    return;
  }
  const where: P = { p: path, k: name, str: undefined };
  if (rule.array) {
    if (!Array.isArray(v)) {
      ctx.issues.push(issue('FHIR_STRUCTURE', `${key} must be an array parallel to ${name}.`, `${pathOf(path)}.${key}`));
      return;
    }
    const values = obj[name];
    if (Array.isArray(values) && values.length !== v.length) {
      ctx.issues.push(issue('FHIR_STRUCTURE', `${key} has ${v.length} items but ${name} has ${values.length}; they must be parallel.`, `${pathOf(path)}.${key}`));
    }
    v.forEach((item, i) => {
      if (item !== null) walkElementPart(item, { p: where, k: i, str: undefined }, ctx, rule, type);
    });
  } else {
    walkElementPart(v, where, ctx, rule, type);
  }
}

function walkElementPart(v: unknown, where: P, ctx: WalkContext, rule: ElementRule, type: TypeRef): void {
  if (!isObject(v)) {
    ctx.issues.push(issue('FHIR_STRUCTURE', `The id/extension part of a primitive must be a JSON object, not a JSON ${jsonKind(v)}.`, pathOf(where)));
    return;
  }
  const savedPath = ctx.ownerPath;
  const savedType = ctx.ownerType;
  ctx.ownerPath = rule.path;
  ctx.ownerType = type.code;
  walkObject(v, ctx.elementShape, where, ctx, false);
  ctx.ownerPath = savedPath;
  ctx.ownerType = savedType;
}

/**
 * The value of `parent`.`k` (a key, or an index in an array). Its path segment is made only
 * when something needs it: most primitives pass every check without one.
 */
export function walkValue(v: unknown, rule: ElementRule, type: TypeRef, parent: P, k: string | number, ctx: WalkContext): void {
  if (type.primitive) {
    const bad = checkPrimitive(type.primitive, v);
    if (bad) {
      const where = seg(parent, k);
      ctx.issues.push(issue(bad.kind === 'structure' ? 'FHIR_STRUCTURE' : 'FHIR_VALUE', `${pathOf(where).slice(pathOf(where).lastIndexOf('.') + 1)} ${bad.reason}.`, pathOf(where)));
      return;
    }
    const cons = type.constraints ?? rule.constraints;
    const fixed = rule.fixed !== undefined || rule.pattern !== undefined;
    const limits = rule.maxLength !== undefined || rule.minValue !== undefined || rule.maxValue !== undefined;
    if (!fixed && !limits && rule.binding === undefined && cons.length === 0) return;
    const where = seg(parent, k);
    if (fixed) checkFixed(v, rule, where, ctx);
    if (limits) checkLimits(v, rule, where, ctx);
    if (rule.binding) checkBinding(v, type.code, rule, where, ctx);
    if (cons.length) evaluateConstraints(cons, v, where, ctx);
    return;
  }
  const where = seg(parent, k);
  if (!isObject(v)) {
    ctx.issues.push(issue('FHIR_STRUCTURE', `${pathOf(where).slice(pathOf(where).lastIndexOf('.') + 1)} must be a JSON object (${type.code}), not a JSON ${jsonKind(v)}.`, pathOf(where)));
    return;
  }
  if (type.resource) {
    walkNestedResource(v, rule, where, ctx);
    return;
  }
  // ele-1, natively: an element must have a value or children other than id.
  let content = false;
  for (const k in v) {
    if (k !== 'id') {
      content = true;
      break;
    }
  }
  if (!content) {
    ctx.issues.push(issue('FHIR_INVARIANT', `ele-1: All FHIR elements must have a @value or children (${type.code} is empty).`, pathOf(where)));
    return;
  }
  const savedPath = ctx.ownerPath;
  const savedType = ctx.ownerType;
  ctx.ownerPath = rule.path;
  ctx.ownerType = type.code;
  walkObject(v, type.shape!(), where, ctx, false);
  ctx.ownerPath = savedPath;
  ctx.ownerType = savedType;
  if (type.code === 'Coding') checkCodingSystem(v, where, ctx);
  if (rule.isExtension) {
    // ext-1, natively: an extension has either nested extensions or a value[x], not both.
    let hasValue = false;
    for (const k in v) if (k.startsWith('value')) hasValue = true;
    if ((v.extension !== undefined) === hasValue) {
      ctx.issues.push(issue('FHIR_INVARIANT', 'ext-1: Must have either extensions or value[x], not both.', pathOf(where)));
    }
  }
  if (rule.fixed !== undefined || rule.pattern !== undefined) checkFixed(v, rule, where, ctx);
  if (rule.binding) checkBinding(v, type.code, rule, where, ctx);
  if (type.code === 'Reference') checkReference(v, type, where, ctx);
  const cons = type.constraints ?? rule.constraints;
  if (cons.length) evaluateConstraints(cons, v, where, ctx);
}

function walkNestedResource(v: Json, rule: ElementRule, where: P, ctx: WalkContext): void {
  // Bundle entries are validated on their own, against their own profile (see index.ts).
  if (ctx.skipEntryResources && rule.path === 'Bundle.entry.resource') return;
  const rt = v.resourceType;
  if (typeof rt !== 'string') {
    ctx.issues.push(issue('FHIR_RESOURCE_TYPE', 'A nested resource needs a resourceType.', `${pathOf(where)}.resourceType`));
    return;
  }
  const structure = ctx.structureFor(rt);
  if (!structure) {
    ctx.issues.push(issue('FHIR_RESOURCE_TYPE', `"${rt}" is not an R4 resource type.`, `${pathOf(where)}.resourceType`));
    return;
  }
  const saved = ctx.resource;
  const savedIds = ctx.elementIds;
  const savedPath = ctx.ownerPath;
  const savedType = ctx.ownerType;
  ctx.resource = v;
  ctx.elementIds = undefined;
  ctx.ownerPath = ctx.ownerType = rt;
  walkObject(v, structure.shape, where, ctx, true);
  ctx.resource = saved;
  ctx.elementIds = savedIds;
  ctx.ownerPath = savedPath;
  ctx.ownerType = savedType;
}

export function checkFixed(v: unknown, rule: ElementRule, where: P, ctx: WalkContext): void {
  if (rule.fixed !== undefined && !deepEqual(v, rule.fixed)) {
    ctx.issues.push(issue('FHIR_FIXED', `Value must be exactly ${JSON.stringify(rule.fixed)}; found ${clip(JSON.stringify(v))}.`, pathOf(where)));
  }
  if (rule.pattern !== undefined && !matchesPattern(v, rule.pattern)) {
    ctx.issues.push(issue('FHIR_FIXED', `Value must match the pattern ${JSON.stringify(rule.pattern)}; found ${clip(JSON.stringify(v))}.`, pathOf(where)));
  }
}

/** maxLength, minValue[x], maxValue[x] of a profile (dates compare as ISO text of equal length). */
function checkLimits(v: unknown, rule: ElementRule, where: P, ctx: WalkContext): void {
  if (rule.maxLength !== undefined && typeof v === 'string' && v.length > rule.maxLength) {
    ctx.issues.push(issue('FHIR_VALUE', `${pathOf(where).slice(pathOf(where).lastIndexOf('.') + 1)} is ${v.length} characters long; at most ${rule.maxLength} allowed.`, pathOf(where)));
  }
  const comparable = (limit: number | string): boolean => typeof v === typeof limit && (typeof v === 'number' || (v as string).length === (limit as string).length);
  if (rule.minValue !== undefined && comparable(rule.minValue) && (v as number | string) < rule.minValue) {
    ctx.issues.push(issue('FHIR_VALUE', `${JSON.stringify(v)} is below the minimum ${JSON.stringify(rule.minValue)}.`, pathOf(where)));
  }
  if (rule.maxValue !== undefined && comparable(rule.maxValue) && (v as number | string) > rule.maxValue) {
    ctx.issues.push(issue('FHIR_VALUE', `${JSON.stringify(v)} is above the maximum ${JSON.stringify(rule.maxValue)}.`, pathOf(where)));
  }
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function vsName(url: string): string {
  return stripVersion(url).split('/').pop() ?? url;
}

function sampleCodes(all: Set<string>): string {
  const codes = [...all].slice(0, 12);
  return codes.join(', ') + (all.size > codes.length ? ', ...' : '');
}

function codingIn(c: unknown, bySystem: Map<string, Set<string>>): boolean {
  return isObject(c) && typeof c.code === 'string' && typeof c.system === 'string' && bySystem.get(c.system)?.has(c.code) === true;
}

export function checkBinding(v: unknown, code: string, rule: ElementRule, where: P, ctx: WalkContext): void {
  const binding = rule.binding!;
  const vs = binding.valueSet;
  // Expanded on first use and kept on the rule: the hot path does no lookup.
  const exp = (binding.expansion ??= expandValueSet(vs));
  if (!exp.ok) {
    const k = binding.unversioned;
    if (!ctx.notChecked.has(k)) {
      ctx.notChecked.add(k);
      ctx.issues.push(issue('FHIR_NOT_CHECKED', `Required binding to ${k} not checked: ${exp.reason} (reported once per value set).`, pathOf(where)));
    }
    return;
  }
  const { bySystem, all } = exp.expansion;
  if (typeof v === 'string') {
    if (!all.has(v)) {
      ctx.issues.push(issue('FHIR_CODE_INVALID', `"${clip(v)}" is not in the required value set ${vsName(vs)} (${sampleCodes(all)}).`, pathOf(where)));
    }
    return;
  }
  const obj = v as Json;
  if (code === 'Coding' || code === 'Quantity') {
    if (code === 'Quantity' && obj.code === undefined) return;
    if (!codingIn(obj, bySystem)) {
      // A unit outside a unit value set (ucum-vitals-common) is a warning: the reference
      // validator accepts any valid UCUM unit there, and so do we.
      ctx.issues.push(issue('FHIR_CODE_INVALID', `${String(obj.system ?? '(no system)')}#${String(obj.code ?? '(no code)')} is not in the required value set ${vsName(vs)} (${sampleCodes(all)}).`, pathOf(where), code === 'Quantity' ? 'warning' : 'error'));
    }
    return;
  }
  if (code === 'CodeableConcept') {
    const codings = Array.isArray(obj.coding) ? obj.coding : [];
    for (const c of codings) if (codingIn(c, bySystem)) return;
    const found = codings.map((c) => (isObject(c) ? `${String(c.system ?? '')}#${String(c.code ?? '')}` : '?')).join(', ') || 'no coding';
    ctx.issues.push(issue('FHIR_CODE_INVALID', `None of the codings (${clip(found)}) is in the required value set ${vsName(vs)} (${sampleCodes(all)}).`, pathOf(where)));
  }
}

/**
 * The resource type of a literal reference `[base/]Type/id[/_history/vid]`, or undefined when
 * it has no such shape (then the target cannot be known offline and is not judged).
 */
function referenceType(ref: string): string | undefined {
  let end = ref.length;
  const hist = ref.lastIndexOf('/_history/');
  if (hist >= 0) end = hist;
  const idSlash = ref.lastIndexOf('/', end - 1);
  if (idSlash <= 0 || idSlash === end - 1) return undefined;
  const typeSlash = ref.lastIndexOf('/', idSlash - 1);
  const type = ref.slice(typeSlash + 1, idSlash);
  const c = type.charCodeAt(0);
  if (!(c >= 65 && c <= 90) || !/^[A-Za-z]+$/.test(type)) return undefined;
  return type;
}

export function checkReference(v: Json, type: TypeRef, where: P, ctx: WalkContext): void {
  const targets = type.targets;
  if (!targets) return;
  if (typeof v.type === 'string' && !targets.has(v.type)) {
    ctx.issues.push(issue('FHIR_REFERENCE_TARGET', `Reference type ${v.type} is not allowed here; expected ${[...targets].join(', ')}.`, `${pathOf(where)}.type`));
    return;
  }
  const ref = v.reference;
  if (typeof ref !== 'string' || ref === '') return;
  let target: string | undefined;
  if (ref.startsWith('#')) {
    const contained = ctx.rootResource.contained;
    if (Array.isArray(contained)) {
      for (const c of contained) if (isObject(c) && c.id === ref.slice(1) && typeof c.resourceType === 'string') target = c.resourceType;
    }
  } else if (ref.startsWith('urn:')) {
    target = ctx.fullUrls?.get(ref);
  } else {
    target = ctx.fullUrls?.get(ref) ?? referenceType(ref);
  }
  if (target !== undefined && !targets.has(target)) {
    ctx.issues.push(issue('FHIR_REFERENCE_TARGET', `Reference "${clip(ref)}" points to a ${target}; expected ${[...targets].join(', ')}.`, `${pathOf(where)}.reference`));
  }
}

export function evaluateConstraints(constraints: readonly Constraint[], value: unknown, where: P, ctx: WalkContext): void {
  for (let i = 0; i < constraints.length; i++) {
    const c = constraints[i]!;
    if (c.native) continue;
    if (c.resolve !== undefined) c.resolve();
    const check = c.check;
    if (c.notChecked !== undefined && check === undefined) {
      ctx.issues.push(issue('FHIR_NOT_CHECKED', `${c.key} not checked: ${c.notChecked}. (${c.human})`, pathOf(where)));
      continue;
    }
    let result: unknown[] | boolean;
    try {
      // Native checks (dom-3 walks the whole resource) can fail on hostile data too: same handling.
      const quick = c.quick !== undefined ? c.quick(value) : undefined;
      result = quick !== undefined ? quick : check !== undefined ? check(value, ctx) : c.evaluate!(value, envOf(ctx));
    } catch (e) {
      // Usually malformed data already reported (a time without offset compared to one with):
      // then a warning, so the root cause stays the only error. Otherwise it counts as failed.
      const cascade = ctx.issues.some((x) => x.severity === 'error');
      ctx.issues.push(issue('FHIR_INVARIANT', `${c.key} could not be evaluated on this data (${clip(String((e as Error)?.message ?? e))}): ${c.human}`, pathOf(where), cascade ? 'warning' : c.severity));
      continue;
    }
    if (!(result === true || (Array.isArray(result) && result.length === 1 && result[0] === true))) {
      ctx.issues.push(issue('FHIR_INVARIANT', c.failure, pathOf(where), c.severity));
    }
  }
}

/**
 * The FHIRPath environment (%resource, %rootResource, %ucum) of the resource being walked: one
 * object per resource, made on its first invariant, not one per evaluation.
 */
function envOf(ctx: WalkContext): Record<string, unknown> {
  const e = ctx.env;
  if (e !== undefined && e.resource === ctx.resource && e.rootResource === ctx.rootResource) return e;
  return (ctx.env = { resource: ctx.resource, rootResource: ctx.rootResource, ucum: UCUM });
}
