/**
 * SMART on FHIR scopes (App Launch 2.0.0, "Scopes and Launch Context"), as Frontdesk enforces
 * them on its FHIR API, for bearer JWTs and API keys alike.
 *
 *   v2: `<context>/<Type|*>.<cruds>`: c create, r read (read, vread, instance history),
 *       u update, d delete, s search (type search, type history); the letters in that order.
 *   v1: `<context>/<Type|*>.<read|write|*>`: read = rs, write = cud, * = cruds.
 *
 * Frontdesk serves system-level access only (SMART Backend Services: the client acts for itself,
 * with no user and no patient in context), so only `system/` scopes grant anything. `user/` and
 * `patient/` scopes are recognised and grant nothing: a 403 says so and names the system scope
 * to ask for. A v2 scope with a query (`system/Observation.rs?category=laboratory`) would grant
 * a subset we do not enforce, so it grants nothing either (refused in the configuration).
 *
 * The legacy API key scopes map onto this model: `fhir` (and `*`) is `system/*.cruds`.
 * A wildcard type never covers AuditEvent (EXPLICIT_ONLY below).
 */
/**
 * Types a wildcard (`system/*.rs`, legacy `fhir`) does not cover: the audit trail names who read
 * which patient, so reading it is granted by name (`system/AuditEvent.rs`) or the `operator` scope.
 */
const EXPLICIT_ONLY: ReadonlySet<string> = new Set(['AuditEvent']);

export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
export const PERMISSIONS: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];

export interface SmartScope {
  context: 'system' | 'user' | 'patient';
  /** A resource type, or '*'. */
  type: string;
  perms: ReadonlySet<Permission>;
  /** v2 query restriction (`?category=...`), when present. */
  restriction?: string;
  raw: string;
}

const SHAPE = /^(system|user|patient)\/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(\?.*)?$/;

/**
 * A SMART scope string parsed, or why it is not one (`undefined` for strings that are not
 * SMART-shaped at all: `openid`, `launch`, Frontdesk's own `operator`).
 */
export function parseSmartScope(s: string): { scope: SmartScope } | { error: string } | undefined {
  const m = SHAPE.exec(s);
  if (!m) return /^(system|user|patient)\//.test(s) ? { error: `"${s}" is not a SMART scope (system/Patient.rs, system/*.read).` } : undefined;
  const [, context, type, p, q] = m;
  let perms: Permission[];
  if (p === 'read') perms = ['r', 's'];
  else if (p === 'write') perms = ['c', 'u', 'd'];
  else if (p === '*') perms = [...PERMISSIONS];
  else {
    // v2: a non-empty subsequence of "cruds", in that order.
    let at = 0;
    perms = [];
    for (const ch of p!) {
      const i = 'cruds'.indexOf(ch, at);
      if (i < 0) return { error: `"${s}": permissions must be letters of "cruds" in that order, or read, write, *.` };
      perms.push(ch as Permission);
      at = i + 1;
    }
  }
  if (q && (p === 'read' || p === 'write' || p === '*')) return { error: `"${s}": a query restriction needs v2 permissions (cruds).` };
  return { scope: { context: context as SmartScope['context'], type: type!, perms: new Set(perms), ...(q ? { restriction: q.slice(1) } : {}), raw: s } };
}

/** The scope a 403 names: `system/Patient.r`. */
export function scopeFor(type: string, perm: Permission): string {
  return `system/${type}.${perm}`;
}

/** What a principal may do on the FHIR API, compiled once from its scopes. */
export class FhirAccess {
  private readonly any = new Set<Permission>();
  private readonly byType = new Map<string, Set<Permission>>();
  /** user/ and patient/ scopes, and restricted v2 scopes: held but granting nothing (for the 403's words). */
  readonly ignored: string[] = [];

  private constructor() {}

  static none(): FhirAccess {
    return new FhirAccess();
  }

  /** From scope strings: SMART scopes, the legacy `fhir` and `*`; others are not about FHIR and are skipped. */
  static of(scopes: readonly string[]): FhirAccess {
    const a = new FhirAccess();
    for (const s of scopes) {
      if (s === '*' || s === 'fhir') {
        for (const p of PERMISSIONS) a.any.add(p);
        continue;
      }
      const r = parseSmartScope(s);
      if (!r || 'error' in r) continue;
      const sc = r.scope;
      if (sc.context !== 'system' || sc.restriction !== undefined) {
        a.ignored.push(s);
        continue;
      }
      const into = sc.type === '*' ? a.any : (a.byType.get(sc.type) ?? a.byType.set(sc.type, new Set()).get(sc.type)!);
      for (const p of sc.perms) into.add(p);
    }
    return a;
  }

  allows(type: string, perm: Permission): boolean {
    return (this.any.has(perm) && !EXPLICIT_ONLY.has(type)) || !!this.byType.get(type)?.has(perm);
  }

  /** Any permission at all on `type` (what `$validate` asks). */
  touches(type: string): boolean {
    return (this.any.size > 0 && !EXPLICIT_ONLY.has(type)) || (this.byType.get(type)?.size ?? 0) > 0;
  }

  /** Any FHIR permission on any type. */
  get empty(): boolean {
    return this.any.size === 0 && [...this.byType.values()].every((s) => s.size === 0);
  }
}
