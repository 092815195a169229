/**
 * Compile a StructureDefinition snapshot into a tree of Shapes the walker checks without
 * looking at the definition again: per JSON key the element rule (cardinality, array or single,
 * the type of each choice variant, fixed/pattern value, required binding, reference targets and
 * compiled invariants). Datatype shapes are shared and built lazily, so recursive types
 * (Extension.extension, Identifier.assigner -> Reference.identifier) cost nothing up front.
 */
import type { ElementDefinition, ElementDefinitionType, StructureDefinition } from 'fhir/r4.js';
import { baseDefinitions } from './definitions.js';
import { compileConstraints, type Constraint } from './invariants.js';
import { isPrimitiveType, primitiveRule, type PrimitiveRule } from './primitives.js';
import type { ExpansionResult } from './terminology.js';

export interface TypeRef {
  code: string;
  primitive?: PrimitiveRule;
  /** A nested resource (contained, Bundle.entry.resource, Parameters.parameter.resource). */
  resource?: boolean;
  /** Complex type: its shape (lazy). */
  shape?: () => Shape;
  /** Reference: allowed target resource types; undefined = any. */
  targets?: Set<string>;
  /** A choice element's invariants compiled for this variant's type (else the rule's). */
  constraints?: Constraint[];
}

export interface Binding {
  valueSet: string;
  strength: 'required';
  /** Filled on first use by the walker. */
  expansion?: ExpansionResult;
}

export interface ElementRule {
  /** Element name as in the definition: `gender`, `value[x]`. */
  name: string;
  /** Name used in issue expressions when the element is missing: `gender`, `value`. */
  display: string;
  /** Definition path, the FHIRPath type context of its invariants. */
  path: string;
  min: number;
  max: number;
  array: boolean;
  choice: boolean;
  /** JSON key -> type (one key unless a choice). */
  variants: Map<string, TypeRef>;
  fixed?: unknown;
  pattern?: unknown;
  binding?: Binding;
  /** ElementDefinition.maxLength (profiles): longest string allowed. */
  maxLength?: number;
  /** ElementDefinition.minValue[x]/maxValue[x] (profiles): numbers, or dates compared as text. */
  minValue?: number | string;
  maxValue?: number | string;
  constraints: Constraint[];
  isExtension: boolean;
}

export interface Shape {
  /** Definition path of the object this shape checks (`Patient`, `Patient.contact`, `Period`). */
  path: string;
  /** Every JSON key allowed (choice variants expanded) -> its rule. */
  elements: Map<string, ElementRule>;
  rules: ElementRule[];
  required: ElementRule[];
  /** Invariants on the object itself (the resource root, or a datatype's root). */
  constraints: Constraint[];
}

export interface CompiledStructure {
  url: string;
  id: string;
  type: string;
  shape: Shape;
  /** Why parts of the definition were not compiled (slices...), reported as FHIR_NOT_CHECKED. */
  notes: string[];
}

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

function fhirTypeOf(t: ElementDefinitionType): string {
  if (t.code.startsWith('http://hl7.org/fhirpath/System.')) {
    const ext = t.extension?.find((x) => x.url === FHIR_TYPE_EXT);
    const v = ext?.valueUrl ?? ext?.valueUri;
    if (v && isPrimitiveType(v)) return v;
  }
  return t.code;
}

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Resolves a profile URL to the resource type it constrains (our registry plus the base set). */
export type TypeOfProfile = (url: string) => string | undefined;

const typeShapes = new Map<string, Shape>();

/** The shared shape of a base datatype (`HumanName`, `Period`, `Element`). */
export function typeShape(code: string, typeOf: TypeOfProfile): Shape {
  let s = typeShapes.get(code);
  if (s) return s;
  const sd = baseDefinitions().byType.get(code);
  if (!sd?.snapshot) {
    s = { path: code, elements: new Map(), rules: [], required: [], constraints: [] };
  } else {
    s = buildShapes(sd.snapshot.element, typeOf, []).root;
  }
  typeShapes.set(code, s);
  return s;
}

function isSlice(el: ElementDefinition): boolean {
  return el.sliceName !== undefined || (el.id ?? '').includes(':');
}

function parseMax(max: string | undefined): number {
  return max === undefined || max === '*' ? Infinity : Number(max);
}

function firstValue(el: ElementDefinition, prefix: 'fixed' | 'pattern' | 'minValue' | 'maxValue'): unknown {
  for (const k in el) if (k.startsWith(prefix) && k.length > prefix.length) return (el as unknown as Record<string, unknown>)[k];
  return undefined;
}

function targetsOf(profiles: string[] | undefined, typeOf: TypeOfProfile): Set<string> | undefined {
  if (!profiles?.length) return undefined;
  const out = new Set<string>();
  for (const url of profiles) {
    const t = typeOf(url.split('|')[0]!);
    if (t === undefined || t === 'Resource' || t === 'DomainResource') return undefined; // unknown profile: any
    out.add(t);
  }
  return out;
}

/**
 * Build the shapes of one snapshot. The first element is the root; every element with children
 * in the snapshot (BackboneElements, datatypes a profile constrains) gets an inline shape, the
 * others use the shared datatype shape.
 */
export function buildShapes(elements: readonly ElementDefinition[], typeOf: TypeOfProfile, notes: string[]): { root: Shape } {
  const children = new Map<string, ElementDefinition[]>();
  const byPath = new Map<string, ElementDefinition>();
  for (const el of elements) {
    if (isSlice(el)) continue;
    byPath.set(el.path, el);
    const dot = el.path.lastIndexOf('.');
    if (dot < 0) continue;
    const parent = el.path.slice(0, dot);
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(el);
  }
  const slices = elements.filter((e) => e.sliceName !== undefined);
  for (const s of slices) notes.push(`slice ${s.id ?? s.path} (slicing is not checked)`);

  const inline = new Map<string, Shape>();

  const shapeAt = (path: string, ownConstraints: Constraint[]): Shape => {
    const hit = inline.get(path);
    if (hit) return hit;
    const shape: Shape = { path, elements: new Map(), rules: [], required: [], constraints: ownConstraints };
    inline.set(path, shape);
    for (const el of children.get(path) ?? []) {
      const rule = compileElement(el);
      if (!rule) continue;
      shape.rules.push(rule);
      if (rule.min > 0) shape.required.push(rule);
      for (const key of rule.variants.keys()) shape.elements.set(key, rule);
    }
    return shape;
  };

  const compileElement = (el: ElementDefinition): ElementRule | undefined => {
    const name = el.path.slice(el.path.lastIndexOf('.') + 1);
    const choice = name.endsWith('[x]');
    const stem = choice ? name.slice(0, -3) : name;
    const max = parseMax(el.max);
    const baseMax = el.base?.max ?? el.max;
    const rule: ElementRule = {
      name,
      display: stem,
      path: choice ? el.path.slice(0, -3) : el.path,
      min: el.min ?? 0,
      max,
      array: baseMax !== '1' && baseMax !== '0',
      choice,
      variants: new Map(),
      constraints: [],
      isExtension: false,
    };
    const fixed = firstValue(el, 'fixed');
    if (fixed !== undefined) rule.fixed = fixed;
    const pattern = firstValue(el, 'pattern');
    if (pattern !== undefined) rule.pattern = pattern;
    if (el.binding?.strength === 'required' && el.binding.valueSet) rule.binding = { valueSet: el.binding.valueSet, strength: 'required' };
    if (typeof el.maxLength === 'number') rule.maxLength = el.maxLength;
    const minValue = firstValue(el, 'minValue');
    if (typeof minValue === 'number' || typeof minValue === 'string') rule.minValue = minValue;
    const maxValue = firstValue(el, 'maxValue');
    if (typeof maxValue === 'number' || typeof maxValue === 'string') rule.maxValue = maxValue;

    const hasChildren = (children.get(el.path)?.length ?? 0) > 0;
    const sharedConstraintKeys = new Set<string>();
    if (el.contentReference) {
      const ref = el.contentReference.slice(el.contentReference.indexOf('#') + 1);
      const target = byPath.get(ref);
      const refConstraints = compileConstraints(ref, (target?.constraint ?? []).filter((c) => c.key !== 'ele-1'));
      rule.variants.set(name, { code: 'BackboneElement', shape: () => shapeAt(ref, []) });
      rule.constraints = refConstraints;
      return rule;
    }
    for (const t of el.type ?? []) {
      // Resource.id and Element.id are typed System.String with the FHIR type in an extension.
      // Resource.id is an `id` (R4 datatypes page) though its snapshot says System.String/string.
      const code = el.base?.path === 'Resource.id' ? 'id' : fhirTypeOf(t);
      const key = choice ? stem + upperFirst(code) : name;
      const ref: TypeRef = { code };
      if (isPrimitiveType(code)) {
        ref.primitive = primitiveRule(code)!;
      } else if (code === 'Resource' || baseDefinitions().resourceTypes.has(code)) {
        ref.resource = true;
      } else if (hasChildren && (el.type?.length ?? 0) === 1) {
        ref.shape = () => shapeAt(el.path, []);
      } else {
        ref.shape = () => typeShape(code, typeOf);
        const ts = baseDefinitions().byType.get(code);
        for (const c of ts?.snapshot?.element[0]?.constraint ?? []) sharedConstraintKeys.add(c.key);
      }
      if (code === 'Reference') {
        const targets = targetsOf(t.targetProfile, typeOf);
        if (targets) ref.targets = targets;
      }
      if (code === 'Extension') rule.isExtension = true;
      rule.variants.set(key, ref);
    }
    // Invariants of the element itself; a shared datatype's root invariants run from its shape.
    const own = (el.constraint ?? []).filter((c) => c.key !== 'ele-1' && !sharedConstraintKeys.has(c.key));
    rule.constraints = compileConstraints(rule.path, own);
    if (choice && own.length) {
      // `value[x]` has no single FHIRPath type; compile per variant so each runs typed.
      for (const ref of rule.variants.values()) ref.constraints = compileConstraints(ref.code, own);
    }
    return rule;
  };

  const rootEl = elements[0]!;
  const rootConstraints = compileConstraints(rootEl.path, (rootEl.constraint ?? []).filter((c) => c.key !== 'ele-1'));
  return { root: shapeAt(rootEl.path, rootConstraints) };
}

export function compileStructure(sd: StructureDefinition, snapshot: ElementDefinition[], typeOf: TypeOfProfile, notes: string[]): CompiledStructure {
  const { root } = buildShapes(snapshot, typeOf, notes);
  return { url: sd.url, id: sd.id ?? sd.name, type: sd.type, shape: root, notes };
}
