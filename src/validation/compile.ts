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
import { stripVersion, type ExpansionResult } from './terminology.js';

export interface TypeRef {
  code: string;
  primitive?: PrimitiveRule;
  /** A nested resource (contained, Bundle.entry.resource, Parameters.parameter.resource). */
  resource?: boolean;
  /** Complex type: its shape (lazy). */
  shape?: () => Shape;
  /** The shape is built from this snapshot's own elements (not a shared datatype). */
  inline?: true;
  /** Reference: allowed target resource types; undefined = any. */
  targets?: Set<string>;
  /** A choice element's invariants compiled for this variant's type (else the rule's). */
  constraints?: Constraint[];
}

/**
 * A TypeRef with every field present, in one order: the walker reads these on every element,
 * and objects of one hidden class keep those reads monomorphic.
 */
export function typeRef(code: string, shape?: () => Shape): TypeRef {
  return { code, primitive: undefined, resource: undefined, shape, inline: undefined, targets: undefined, constraints: undefined };
}

export interface Binding {
  valueSet: string;
  strength: 'required';
  /** Filled on first use by the walker. */
  expansion?: ExpansionResult | undefined;
  /** The value set's URL without its |version: the key it is reported under once (made once). */
  unversioned: string;
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
  /** Extension slices (discriminator value:url): each checked by its url. */
  slices?: ExtensionSlice[];
  /** Slices told apart by value/pattern discriminators (`coding` by system and code): counted per slice. */
  valueSlices?: ValueSlice[];
  /** ElementDefinition.maxLength (profiles): longest string allowed. */
  maxLength?: number;
  /** ElementDefinition.minValue[x]/maxValue[x] (profiles): numbers, or dates compared as text. */
  minValue?: number | string;
  maxValue?: number | string;
  constraints: Constraint[];
  isExtension: boolean;
  /** JSON keys that count as presence for min cardinality (`x`, and `_x` for primitives). */
  presenceKeys: string[];
  /** The only variant, when not a choice (saves a lookup on the hot path). */
  single?: TypeRef;
  /**
   * This rule's bit among its shape's required rules (0 when not required, or beyond the 30th):
   * the walker notes the required elements it meets as it goes, and looks up only the others.
   */
  reqBit: number;
}

export interface ExtensionSlice {
  name: string;
  url: string;
  min: number;
  max: number;
  /** The slice's own definition (inline, or the extension's StructureDefinition when loaded). */
  type: TypeRef;
}

export interface ValueSlice {
  name: string;
  min: number;
  max: number;
  /** Discriminator child (undefined: the item itself) -> the fixed or pattern value it must match. */
  match: { key: string | undefined; value: unknown }[];
}

export interface Shape {
  /** Definition path of the object this shape checks (`Patient`, `Patient.contact`, `Period`). */
  path: string;
  /** Every JSON key allowed (choice variants expanded) -> its rule. */
  elements: Map<string, ElementRule>;
  /**
   * The same, as a prototype-less object: the walker's lookup for every key it meets (a
   * dictionary object's keyed lookup is cheaper than Map.get there).
   */
  byKey: Record<string, ElementRule | undefined>;
  rules: ElementRule[];
  required: ElementRule[];
  /** Invariants on the object itself (the resource root, or a datatype's root). */
  constraints: Constraint[];
  /** Sliced elements with a required slice (checked even when the element is absent). */
  sliceMins?: ElementRule[];
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
/** Resolves an extension definition URL to its compiled shape (dropped-in extension SDs). */
export type ExtensionShapeOf = (url: string) => Shape | undefined;

const typeShapes = new Map<string, Shape>();

/** The shared shape of a base datatype (`HumanName`, `Period`, `Element`). */
export function typeShape(code: string, typeOf: TypeOfProfile): Shape {
  let s = typeShapes.get(code);
  if (s) return s;
  const sd = baseDefinitions().byType.get(code);
  if (!sd?.snapshot) {
    s = { path: code, elements: new Map(), byKey: Object.create(null) as Shape['byKey'], rules: [], required: [], constraints: [], sliceMins: undefined };
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
export function buildShapes(elements: readonly ElementDefinition[], typeOf: TypeOfProfile, notes: string[], extensionShapeOf?: ExtensionShapeOf): { root: Shape } {
  const children = new Map<string, ElementDefinition[]>();
  const byPath = new Map<string, ElementDefinition>();
  // Inside slices, elements are told apart by id (`Patient.extension:race.url`), not by path.
  const sliceChildren = new Map<string, ElementDefinition[]>();
  const slicesByOwner = new Map<string, ElementDefinition[]>();
  const push = (m: Map<string, ElementDefinition[]>, k: string, el: ElementDefinition): void => {
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(el);
  };
  for (const el of elements) {
    const id = el.id ?? el.path;
    if (el.sliceName !== undefined && id.endsWith(`:${el.sliceName}`)) {
      push(slicesByOwner, id.slice(0, -(el.sliceName.length + 1)), el);
      continue;
    }
    if (isSlice(el)) {
      push(sliceChildren, id.slice(0, id.lastIndexOf('.')), el);
      continue;
    }
    byPath.set(el.path, el);
    const dot = el.path.lastIndexOf('.');
    if (dot < 0) continue;
    push(children, el.path.slice(0, dot), el);
  }
  const childrenOf = (el: ElementDefinition): ElementDefinition[] =>
    (isSlice(el) ? sliceChildren.get(el.id ?? el.path) : children.get(el.path)) ?? [];
  const handledSlices = new Set<ElementDefinition>();

  const inline = new Map<string, Shape>();

  const shapeAt = (path: string, ownConstraints: Constraint[], owner?: ElementDefinition): Shape => {
    const key = owner?.id ?? path;
    const hit = inline.get(key);
    if (hit) return hit;
    const shape: Shape = { path, elements: new Map(), byKey: Object.create(null) as Shape['byKey'], rules: [], required: [], constraints: ownConstraints, sliceMins: undefined };
    inline.set(key, shape);
    for (const el of owner ? childrenOf(owner) : (children.get(path) ?? [])) {
      const rule = compileElement(el);
      if (!rule) continue;
      shape.rules.push(rule);
      if (rule.min > 0) {
        if (shape.required.length < 30) rule.reqBit = 1 << shape.required.length;
        shape.required.push(rule);
      }
      if (rule.slices?.some((x) => x.min > 0) || rule.valueSlices?.some((x) => x.min > 0)) (shape.sliceMins ??= []).push(rule);
      if (rule.variants.size === 1) rule.single = rule.variants.values().next().value;
      for (const [key, t] of rule.variants) {
        shape.elements.set(key, rule);
        shape.byKey[key] = rule;
        rule.presenceKeys.push(key);
        if (t.primitive) rule.presenceKeys.push(`_${key}`);
      }
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
      presenceKeys: [],
      reqBit: 0,
      // The optional fields too, so that every rule has one hidden class (see typeRef).
      fixed: undefined,
      pattern: undefined,
      binding: undefined,
      slices: undefined,
      valueSlices: undefined,
      maxLength: undefined,
      minValue: undefined,
      maxValue: undefined,
      single: undefined,
    };
    const fixed = firstValue(el, 'fixed');
    if (fixed !== undefined) rule.fixed = fixed;
    const pattern = firstValue(el, 'pattern');
    if (pattern !== undefined) rule.pattern = pattern;
    if (el.binding?.strength === 'required' && el.binding.valueSet) rule.binding = { valueSet: el.binding.valueSet, strength: 'required', expansion: undefined, unversioned: stripVersion(el.binding.valueSet) };
    if (typeof el.maxLength === 'number') rule.maxLength = el.maxLength;
    const minValue = firstValue(el, 'minValue');
    if (typeof minValue === 'number' || typeof minValue === 'string') rule.minValue = minValue;
    else if (minValue !== undefined) notes.push(`minValue of ${el.id ?? el.path} (only number and date/time limits are checked)`);
    const maxValue = firstValue(el, 'maxValue');
    if (typeof maxValue === 'number' || typeof maxValue === 'string') rule.maxValue = maxValue;
    else if (maxValue !== undefined) notes.push(`maxValue of ${el.id ?? el.path} (only number and date/time limits are checked)`);

    const hasChildren = childrenOf(el).length > 0;
    const sharedConstraintKeys = new Set<string>();
    if (el.contentReference) {
      const ref = el.contentReference.slice(el.contentReference.indexOf('#') + 1);
      const target = byPath.get(ref);
      const refConstraints = compileConstraints(ref, (target?.constraint ?? []).filter((c) => c.key !== 'ele-1'));
      const backbone = typeRef('BackboneElement', () => shapeAt(ref, []));
      backbone.inline = true;
      rule.variants.set(name, backbone);
      rule.constraints = refConstraints;
      return rule;
    }
    for (const t of el.type ?? []) {
      // Resource.id and Element.id are typed System.String with the FHIR type in an extension.
      // Resource.id is an `id` (R4 datatypes page) though its snapshot says System.String/string.
      const code = el.base?.path === 'Resource.id' ? 'id' : fhirTypeOf(t);
      const key = choice ? stem + upperFirst(code) : name;
      const ref = typeRef(code);
      if (isPrimitiveType(code)) {
        ref.primitive = primitiveRule(code)!;
      } else if (code === 'Resource' || baseDefinitions().resourceTypes.has(code)) {
        ref.resource = true;
      } else if (hasChildren && (el.type?.length ?? 0) === 1) {
        let own: Shape | undefined;
        ref.shape = () => (own ??= shapeAt(el.path, [], el));
        ref.inline = true;
      } else {
        let shared: Shape | undefined;
        ref.shape = () => (shared ??= typeShape(code, typeOf));
        const ts = baseDefinitions().byType.get(code);
        for (const c of ts?.snapshot?.element[0]?.constraint ?? []) sharedConstraintKeys.add(c.key);
      }
      if (code === 'Reference') {
        const targets = targetsOf(t.targetProfile, typeOf);
        if (targets) ref.targets = targets;
        // A target profile we cannot place makes the element accept any target: say so.
        const unknown = (t.targetProfile ?? []).filter((u) => typeOf(u.split('|')[0]!) === undefined);
        if (unknown.length) notes.push(`reference targets of ${el.id ?? el.path} (targetProfile ${unknown.join(', ')} is not loaded)`);
      }
      if (code === 'Extension') rule.isExtension = true;
      rule.variants.set(key, ref);
    }
    const sliceEls = slicesByOwner.get(el.id ?? el.path);
    if (sliceEls?.length && rule.isExtension && el.slicing?.discriminator?.every((d) => d.type === 'value' && d.path === 'url')) {
      rule.slices = sliceEls.map((sl) => {
        handledSlices.add(sl);
        return compileExtensionSlice(sl);
      }).filter((x): x is ExtensionSlice => x !== undefined);
    }
    if (sliceEls?.length && !rule.isExtension && el.slicing?.discriminator?.length) {
      const vs = compileValueSlices(el, sliceEls);
      if (vs) rule.valueSlices = vs;
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

  /**
   * Slices discriminated by value or pattern on direct children (`code`, `system`) or on the
   * item itself (`$this`): each slice's fixed/pattern values at those paths decide membership.
   * Only membership and slice cardinality are checked, not the rest of a slice's definition.
   */
  const compileValueSlices = (el: ElementDefinition, sliceEls: ElementDefinition[]): ValueSlice[] | undefined => {
    const discs = el.slicing!.discriminator!;
    if (!discs.every((d) => (d.type === 'value' || d.type === 'pattern') && (d.path === '$this' || /^[A-Za-z]+$/.test(d.path)))) return undefined;
    const out: ValueSlice[] = [];
    for (const sl of sliceEls) {
      const kids = childrenOf(sl);
      const match: ValueSlice['match'] = [];
      for (const d of discs) {
        const at = d.path === '$this' ? sl : kids.find((k) => k.path.endsWith(`.${d.path}`));
        const value = at ? (firstValue(at, 'fixed') ?? firstValue(at, 'pattern')) : undefined;
        if (value === undefined) return undefined;
        match.push({ key: d.path === '$this' ? undefined : d.path, value });
      }
      handledSlices.add(sl);
      out.push({ name: sl.sliceName ?? sl.id ?? sl.path, min: sl.min ?? 0, max: parseMax(sl.max), match });
    }
    return out;
  };

  /** One extension slice: its url (type profile, or the fixed `url` child) and its shape. */
  const compileExtensionSlice = (sl: ElementDefinition): ExtensionSlice | undefined => {
    const kids = childrenOf(sl);
    const urlEl = kids.find((k) => k.path.endsWith('.url'));
    const fixedUrl = urlEl ? firstValue(urlEl, 'fixed') : undefined;
    const profile = sl.type?.[0]?.profile?.[0];
    const url = typeof fixedUrl === 'string' ? fixedUrl : profile?.split('|')[0];
    if (!url) {
      notes.push(`slice ${sl.id ?? sl.path} has no url to discriminate by (not checked)`);
      return undefined;
    }
    const type = typeRef('Extension');
    if (kids.length > 0) {
      // Built once: the walker asks for the shape of every extension it checks against this slice.
      let own: Shape | undefined;
      type.shape = () => (own ??= shapeAt(sl.path, compileConstraints('Extension', (sl.constraint ?? []).filter((c) => c.key !== 'ele-1' && c.key !== 'ext-1')), sl));
      type.inline = true;
    } else {
      const defined = profile ? extensionShapeOf?.(profile.split('|')[0]!) : undefined;
      if (profile && !defined) notes.push(`extension ${profile} (slice ${sl.sliceName}) is not loaded: only its cardinality is checked`);
      type.shape = () => defined ?? typeShape('Extension', typeOf);
    }
    return { name: sl.sliceName ?? url, url, min: sl.min ?? 0, max: parseMax(sl.max), type };
  };

  const rootEl = elements[0]!;
  const rootConstraints = compileConstraints(rootEl.path, (rootEl.constraint ?? []).filter((c) => c.key !== 'ele-1'));
  const root = shapeAt(rootEl.path, rootConstraints);
  // Force the rules of the whole tree so every slice is seen before reporting the unhandled ones.
  const seen = new Set<Shape>();
  const visit = (sh: Shape): void => {
    if (seen.has(sh)) return;
    seen.add(sh);
    for (const r of sh.rules) {
      for (const t of r.variants.values()) if (t.inline) visit(t.shape!());
      for (const sl of r.slices ?? []) if (sl.type.inline) visit(sl.type.shape!());
    }
  };
  visit(root);
  for (const list of slicesByOwner.values()) {
    for (const sl of list) if (!handledSlices.has(sl)) notes.push(`slice ${sl.id ?? sl.path} (only extension slicing by url is checked)`);
  }
  return { root };
}

export function compileStructure(sd: StructureDefinition, snapshot: ElementDefinition[], typeOf: TypeOfProfile, notes: string[], extensionShapeOf?: ExtensionShapeOf): CompiledStructure {
  const { root } = buildShapes(snapshot, typeOf, notes, extensionShapeOf);
  return { url: sd.url, id: sd.id ?? sd.name, type: sd.type, shape: root, notes };
}
