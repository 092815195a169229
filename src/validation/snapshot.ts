/**
 * Snapshot generation for profiles that ship only a differential: copy the base snapshot, then
 * merge each differential element onto the element with the same path. When the differential
 * constrains inside a datatype (Patient.identifier.system), the datatype's elements are first
 * unfolded under that element, as the FHIR snapshot algorithm does.
 *
 * Not supported (reported by the compiler, never silently passed): slices (elements with a
 * sliceName or a ':' in their id) are kept out of the merge.
 */
import type { ElementDefinition, StructureDefinition } from 'fhir/r4.js';
import { baseDefinitions } from './definitions.js';

export interface SnapshotResult {
  snapshot: ElementDefinition[];
  /** Human-readable notes about differential elements that could not be applied. */
  skipped: string[];
}

const MERGE_SKIP = new Set(['id', 'path', 'constraint', 'base', 'slicing', 'sliceName']);

function isSliceId(el: ElementDefinition): boolean {
  return el.sliceName !== undefined || (el.id ?? '').includes(':');
}

/** The type code of an element when it has exactly one (needed to unfold it). */
function singleType(el: ElementDefinition): string | undefined {
  return el.type?.length === 1 ? el.type[0]!.code : undefined;
}

/** Insert the datatype's child elements under `parent` (paths rebased), right after it. */
function unfold(elements: ElementDefinition[], index: number, typeHint?: string): boolean {
  const parent = elements[index]!;
  const type = typeHint ?? singleType(parent);
  if (!type) return false;
  const sd = baseDefinitions().byType.get(type);
  if (!sd?.snapshot || sd.kind === 'primitive-type') return false;
  const rootPath = sd.snapshot.element[0]!.path;
  const children = sd.snapshot.element.slice(1).map((e) => {
    const path = parent.path + e.path.slice(rootPath.length);
    return { ...structuredClone(e), id: path, path };
  });
  // Keep the datatype's own root constraints on the element (per-1 on a Period, ...).
  const rootConstraints = sd.snapshot.element[0]!.constraint ?? [];
  const have = new Set((parent.constraint ?? []).map((c) => c.key));
  parent.constraint = [...(parent.constraint ?? []), ...rootConstraints.filter((c) => !have.has(c.key))];
  elements.splice(index + 1, 0, ...children);
  return true;
}

/** Find the element a differential path refers to, mapping `valueQuantity` onto `value[x]`. */
function findIndex(elements: ElementDefinition[], path: string): { index: number; type?: string } {
  const direct = elements.findIndex((e) => e.path === path && !isSliceId(e));
  if (direct >= 0) return { index: direct };
  const dot = path.lastIndexOf('.');
  const parentPath = path.slice(0, dot);
  const last = path.slice(dot + 1);
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    if (isSliceId(e) || !e.path.endsWith('[x]')) continue;
    const stem = e.path.slice(0, -3);
    if (stem.slice(0, stem.lastIndexOf('.')) !== parentPath) continue;
    const name = stem.slice(stem.lastIndexOf('.') + 1);
    if (!last.startsWith(name) || last.length === name.length) continue;
    const suffix = last.slice(name.length);
    const t = e.type?.find((t) => t.code.toLowerCase() === suffix.toLowerCase());
    if (t) return { index: i, type: t.code };
  }
  return { index: -1 };
}

/** Locate (unfolding datatypes as needed) the element with this path; -1 if impossible. */
function locate(elements: ElementDefinition[], path: string, depth = 0): number {
  const found = findIndex(elements, path);
  if (found.index >= 0) return found.index;
  if (depth > 8) return -1;
  const dot = path.lastIndexOf('.');
  if (dot < 0) return -1;
  const parentPath = path.slice(0, dot);
  const parent = locate(elements, parentPath, depth + 1);
  if (parent < 0) return -1;
  const parentEl = elements[parent]!;
  // Already has children (a BackboneElement): the element really does not exist.
  if (elements[parent + 1]?.path.startsWith(parentEl.path + '.')) return -1;
  const typed = findIndex(elements, parentPath).type;
  if (!unfold(elements, parent, typed)) return -1;
  return findIndex(elements, elements[parent]!.path + path.slice(dot)).index;
}

export function generateSnapshot(profile: StructureDefinition, base: StructureDefinition): SnapshotResult {
  const elements = structuredClone(base.snapshot?.element ?? []);
  const skipped: string[] = [];
  const basePath = elements[0]?.path ?? profile.type;
  for (const diff of profile.differential?.element ?? []) {
    if (isSliceId(diff) || diff.slicing) {
      skipped.push(`${diff.id ?? diff.path}: slicing is not supported`);
      continue;
    }
    // A profile on a profile may name the root by its type; keep paths aligned with the base.
    const path = diff.path.startsWith(profile.type) ? basePath + diff.path.slice(profile.type.length) : diff.path;
    const i = locate(elements, path);
    if (i < 0) {
      skipped.push(`${diff.id ?? diff.path}: no such element in ${base.type}`);
      continue;
    }
    const target = elements[i]!;
    // `valueQuantity` constrains one type of `value[x]`; it must not narrow the type list.
    const renamed = target.path !== path;
    for (const [k, v] of Object.entries(diff)) {
      if (MERGE_SKIP.has(k) || (renamed && (k === 'type' || k === 'min'))) continue;
      (target as unknown as Record<string, unknown>)[k] = structuredClone(v);
    }
    if (diff.constraint) {
      const have = new Set((target.constraint ?? []).map((c) => c.key));
      target.constraint = [...(target.constraint ?? []), ...diff.constraint.filter((c) => !have.has(c.key))];
    }
  }
  return { snapshot: elements, skipped };
}
