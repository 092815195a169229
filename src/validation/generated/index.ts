/**
 * The fast path of the walk: a checker generated once per compiled Shape (codegen.ts, built on
 * first use and kept with the shape) that proves a resource clean, and the walker (walk.ts) for
 * everything else. `walkFast` runs the checker with the real context; when it is not sure (it
 * returned false, or the resource drew a warning or an error) everything it did to the context
 * is rolled back and the walker walks the resource from the start, so every issue a resource
 * with a problem gets is the walker's, word for word. What it keeps is only ever what the walker
 * would have added: information issues from the walker's own helpers, in the walker's order.
 * test/validation/generated-walk.test.ts compares the two over examples and seeded mutations.
 */
import type { CompiledStructure, ElementRule, Shape, TypeRef } from '../compile.js';
import { checkCodingSystem, checkElementId, extensionType } from '../rules/elements.js';
import {
  checkAbsentSlices, checkBinding, checkFixed, checkReference, countValueSlices, evaluateConstraints,
  walkExtensionSlices, walkObject, walkResource, walkValue, type P, type WalkContext,
} from '../walk.js';
import { acceptText, shapeSource, type Entry } from './codegen.js';
import { LOGIC } from './invariants.js';
import { issue } from '../../domain/issues.js';
import type { Constraint } from '../invariants.js';
import { pathOf } from '../walk.js';

/** A failed invariant, worded and placed as evaluateConstraints words and places it. */
function invariantFailed(c: Constraint, where: P, ctx: WalkContext): void {
  ctx.issues.push(issue('FHIR_INVARIANT', c.failure, pathOf(where), c.severity));
}

type Json = Record<string, unknown>;

/**
 * One extension, as the generated code checks a complex value (codegen.ts valueCode), for a type
 * known only when its url is read (its definition, a slice's, or the generic Extension): false
 * where the walker would report something itself.
 */
function extensionValue(v: unknown, rule: ElementRule, t: TypeRef, parent: P, k: string | number, ctx: WalkContext): boolean {
  if (t.primitive || t.resource || !t.shape) {
    walkValue(v, rule, t, parent, k, ctx);
    return true;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const w: P = { p: parent, k, str: undefined };
  const sp = ctx.ownerPath, st = ctx.ownerType;
  ctx.ownerPath = rule.path;
  ctx.ownerType = t.code;
  if (!entryOf(t.shape(), false).f(v as Json, w, ctx)) return false;
  ctx.ownerPath = sp;
  ctx.ownerType = st;
  if (t.code === 'Coding') checkCodingSystem(v as Json, w, ctx);
  // ext-1: nested extensions or a value[x], not both.
  let hasValue = false;
  for (const x in v) if (x.startsWith('value')) hasValue = true;
  if (((v as Json).extension !== undefined) === hasValue) return false;
  if (rule.fixed !== undefined || rule.pattern !== undefined) checkFixed(v, rule, w, ctx);
  if (rule.binding) checkBinding(v, t.code, rule, w, ctx);
  if (t.code === 'Reference') checkReference(v as Json, t, w, ctx);
  const cons = t.constraints ?? rule.constraints;
  if (cons.length) evaluateConstraints(cons, v, w, ctx);
  return true;
}

/** Extensions of an element sliced by url, as walkExtensionSlices walks them: false where it would report. */
function extensionSlices(items: unknown[], rule: ElementRule, type: TypeRef, where: P, shape: Shape, ctx: WalkContext): boolean {
  const slices = rule.slices!;
  const counts = new Array<number>(slices.length).fill(0);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const url = typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Json).url : undefined;
    const k = typeof url === 'string' ? slices.findIndex((s) => s.url === url) : -1;
    if (k >= 0) counts[k]!++;
    const use = k >= 0 ? slices[k]!.type : extensionType(item, type, shape, { p: where, k: i, str: undefined }, ctx);
    if (!extensionValue(item, rule, use, where, i, ctx)) return false;
  }
  for (let k = 0; k < slices.length; k++) if (counts[k]! < slices[k]!.min || counts[k]! > slices[k]!.max) return false;
  return true;
}

/** The walker's functions the generated code calls (the `H` of its source). */
const H = { acceptText, invariantFailed, extensionValue, extensionSlices, walkValue, walkExtensionSlices, countValueSlices, checkAbsentSlices, checkFixed, checkBinding, checkReference, evaluateConstraints, checkCodingSystem, checkElementId, extensionType };

const resourceEntries = new WeakMap<Shape, Entry>();
const elementEntries = new WeakMap<Shape, Entry>();

function entryOf(shape: Shape, isResource: boolean): Entry {
  const map = isResource ? resourceEntries : elementEntries;
  let e = map.get(shape);
  if (e !== undefined) return e;
  const entry: Entry = {
    // Compiled on its first call: a shape's children (and recursive types) only when met.
    f: (obj, path, ctx) => {
      entry.f = build(shape, isResource);
      return entry.f(obj, path, ctx);
    },
    uses: 0,
  };
  map.set(shape, entry);
  return entry;
}

function hasContent(obj: Json): boolean {
  for (const k in obj) if (k !== 'id') return true;
  return false;
}

function build(shape: Shape, isResource: boolean): Entry['f'] {
  const src = shapeSource(shape, isResource, entryOf);
  if (src === undefined) {
    // Not generated (see shapeSource): the walker's own walk of this object, then the usual verdict.
    return (obj, path, ctx) => {
      // ele-1, which the generated caller leaves to the element's own checker (see shapeSource).
      if (!isResource && !hasContent(obj)) return false;
      walkObject(obj, shape, path as P, ctx as WalkContext, isResource);
      return true;
    };
  }
  return new Function('K', 'H', 'N', src.source)(src.consts, H, LOGIC) as Entry['f'];
}

let enabled = true;

/**
 * Resources of a profile the walker validates before its checker is generated: generating and
 * compiling costs more than one walk (about 5 ms CPU for a Patient, 20 for a claim Bundle), which a
 * one-file `frontdesk validate` would pay for nothing; a gateway passes it within a few messages.
 */
let warmUp = 8;

/** Tests: generate at once (0), or after `n` walks of a profile; returns the previous setting. */
export function setGeneratedWarmUp(n: number): number {
  const was = warmUp;
  warmUp = n;
  return was;
}

/** Switch the generated checkers off (tests and bench/profile compare the two walks); returns the previous setting. */
export function useGeneratedWalk(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** How many resources the generated checkers proved clean, and how many went to the walker. */
export const generatedWalkStats = { proved: 0, walked: 0 };

/** The walk of one resource (walkResource's contract): through the generated checker when it is sure. */
export function walkFast(res: Json, structure: CompiledStructure, path: P, ctx: WalkContext): void {
  if (enabled) {
    const entry = entryOf(structure.shape, true);
    if (entry.uses < warmUp) entry.uses++;
    else if (tryGenerated(entry, res, structure, path, ctx)) {
      generatedWalkStats.proved++;
      return;
    }
  }
  generatedWalkStats.walked++;
  walkResource(res, structure, path, ctx);
}

function tryGenerated(entry: Entry, res: Json, structure: CompiledStructure, path: P, ctx: WalkContext): boolean {
  const issues = ctx.issues;
  const n0 = issues.length;
  const s0 = ctx.notChecked.size;
  const d0 = ctx.depth;
  const ids0 = ctx.elementIds;
  const res0 = ctx.resource;
  let ok = false;
  try {
    ctx.ownerPath = ctx.ownerType = structure.type;
    ok = entry.f(res, path, ctx);
  } catch {
    ok = false; // the walker will say what is wrong (or fail the same way, and validateResource reports it)
  }
  if (ok) {
    for (let i = n0; i < issues.length; i++) {
      if (issues[i]!.severity !== 'information') {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  // Undo: the walker starts from the context as it was.
  issues.length = n0;
  if (ctx.notChecked.size > s0) {
    let i = 0;
    for (const k of [...ctx.notChecked]) if (i++ >= s0) ctx.notChecked.delete(k);
  }
  ctx.depth = d0;
  ctx.elementIds = ids0;
  ctx.resource = res0;
  ctx.env = undefined;
  return false;
}
