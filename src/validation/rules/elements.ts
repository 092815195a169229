/**
 * Element-level rules the walker applies as it goes (no extra pass over the data):
 * - an extension's URL resolves to a definition (then its value type and context are checked),
 *   or is accepted without one (example domains, configured prefixes); otherwise an error, as
 *   the reference validator reports it ("could not be found so is not allowed here");
 * - Coding.system is an absolute URI and names a code system, not a ValueSet; a code system we
 *   do not hold is reported once as not checked (its codes and displays need a terminology server);
 * - element ids are unique within a resource.
 */
import { issue } from '../../domain/issues.js';
import type { Shape, TypeRef } from '../compile.js';
import { baseDefinitions } from '../definitions.js';
import { stripVersion } from '../terminology.js';
import { pathOf, type P, type WalkContext } from '../walk.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A URI with a scheme (`http:`, `urn:`); anything else is a local reference. */
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * The type to walk an extension with: its definition's shape when the URL resolves, else the
 * generic one. Unknown URLs and uses outside the definition's context are reported here.
 */
export function extensionType(item: unknown, generic: TypeRef, shape: Shape, where: P, ctx: WalkContext): TypeRef {
  const url = isObject(item) ? item.url : undefined;
  // Relative URLs name the parts of a complex extension: its definition's slices check them.
  if (typeof url !== 'string' || !ABSOLUTE.test(url)) return generic;
  const found = ctx.resolveExtension(url);
  if (found.kind === 'unknown') {
    ctx.issues.push(issue('FHIR_EXTENSION_UNKNOWN', `The extension ${url} could not be found (no definition is loaded), so it is not allowed here; load its StructureDefinition (--profile-dir) or allow unknown extensions (FRONTDESK_ALLOW_UNKNOWN_EXTENSIONS).`, pathOf(where)));
    return generic;
  }
  if (found.kind === 'accepted') return generic;
  if (found.contexts.length && !found.contexts.some((c) => contextAllows(c, shape, ctx))) {
    const allowed = found.contexts.map((c) => c.expression).join(', ');
    ctx.issues.push(issue('FHIR_EXTENSION_UNKNOWN', `The extension ${stripVersion(url)} is not allowed to be used on ${ctx.ownerPath} (${ctx.ownerType}); its definition allows it on ${allowed}.`, pathOf(where)));
  }
  return found.type ?? generic;
}

function contextAllows(c: { type: string; expression: string }, shape: Shape, ctx: WalkContext): boolean {
  if (c.type !== 'element') return true; // fhirpath and extension contexts: not judged offline
  const e = c.expression;
  if (e === 'Element' || e === 'Base' || e === shape.path || e === ctx.ownerPath) return true;
  if (e.endsWith('[x]') && ctx.ownerPath === e.slice(0, -3)) return true;
  // The owner's type or any type it specializes (Age -> Quantity, Patient -> DomainResource).
  for (let t: string | undefined = ctx.ownerType, n = 0; t && n < 10; n++) {
    if (t === e) return true;
    const base: string | undefined = baseDefinitions().byType.get(t)?.baseDefinition;
    t = base ? base.slice(base.lastIndexOf('/') + 1) : undefined;
  }
  return false;
}

/** Verdict per Coding.system string (a few distinct systems, seen on every Coding). */
type SystemVerdict = 'local' | 'external' | 'relative' | 'value-set';
const systemVerdicts = new Map<string, SystemVerdict>();

/**
 * local: a code system we hold (its codes are checked where a required binding applies);
 * external: LOINC, SNOMED CT, CVX... whose codes and display names only a terminology server knows.
 */
function systemVerdict(system: string): SystemVerdict {
  let v = systemVerdicts.get(system);
  if (v) return v;
  const defs = baseDefinitions();
  const url = stripVersion(system);
  if (!ABSOLUTE.test(system)) v = 'relative';
  else if (defs.codeSystems.has(url)) v = 'local';
  else v = defs.valueSets.has(url) || /^https?:\/\/hl7\.org\/fhir\/ValueSet\//.test(url) ? 'value-set' : 'external';
  if (systemVerdicts.size < 10_000) systemVerdicts.set(system, v); // hostile input cannot grow it without bound
  return v;
}

export function checkCodingSystem(coding: Json, where: P, ctx: WalkContext): void {
  const system = coding.system;
  if (typeof system !== 'string' || system === '') return;
  const v = systemVerdict(system);
  if (v === 'relative') ctx.issues.push(issue('FHIR_CODE_SYSTEM', `Coding.system must be an absolute URI, not a local reference ('${clip(system)}').`, `${pathOf(where)}.system`));
  else if (v === 'value-set') ctx.issues.push(issue('FHIR_CODE_SYSTEM', `Coding.system names a value set, not a code system ('${clip(system)}').`, `${pathOf(where)}.system`));
  else if (v === 'external' && !ctx.notChecked.has(system)) {
    // Said once per code system per validation: the reference validator asks a terminology server.
    ctx.notChecked.add(system);
    ctx.issues.push(issue('FHIR_NOT_CHECKED', `Codes and display names of ${clip(system)} are not checked offline: that needs a terminology server (reported once per code system).`, pathOf(where)));
  }
}

export function checkElementId(id: string, path: P, ctx: WalkContext): void {
  const seen = (ctx.elementIds ??= new Set());
  if (seen.has(id)) ctx.issues.push(issue('FHIR_ID_DUPLICATE', `Duplicate id value '${clip(id)}': element ids must be unique within a resource.`, pathOf(path)));
  seen.add(id);
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
