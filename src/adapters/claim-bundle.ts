/**
 * The claim-submission Bundle a clearinghouse receives: the Claim plus everything it references
 * (Patient, Coverage(s), payer Organization(s), rendering Practitioner, billing Organization),
 * each entry with a urn:uuid fullUrl derived from its deterministic id, so every reference
 * resolves inside the Bundle and a replay yields the same Bundle. `transaction` Bundles (what the
 * DFT flow stores) add PUT requests to the deterministic ids.
 */
import type { Bundle, BundleEntry, Claim, Identifier, Organization, Patient, Practitioner, Resource } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { claimBundleId, urnForResource } from '../fhir/ids.js';
import { NPI_SYSTEM } from '../billing/codes.js';
import type { BillingEncounter } from '../billing/encounter.js';
import { claimIds, claimToEncounter, encounterToClaim, type ClaimReferences, type Resolver } from './claim.js';
import { claimParties } from './claim-parties.js';

export const CLAIM_PROFILE = 'http://frontdesk.example.org/fhir/StructureDefinition/fd-claim';
export const CLAIM_BUNDLE_PROFILE = 'http://frontdesk.example.org/fhir/StructureDefinition/fd-claim-bundle';

/** urn:uuid for a deterministic id (urnForResource in src/fhir/ids.ts). */
export const urnFor = (resource: Resource): string => urnForResource(resource);

export interface ClaimBundleOptions {
  type?: 'collection' | 'transaction';
  /** The Patient as received (e.g. from the DFT's PID); otherwise built from the encounter. */
  patient?: Patient;
}

function practitioner(e: BillingEncounter): Practitioner {
  const p: Practitioner = {
    resourceType: 'Practitioner',
    id: claimIds.practitioner(e.renderingProviderNpi),
    identifier: [{ system: NPI_SYSTEM, value: e.renderingProviderNpi }],
  };
  if (e.renderingProviderFamily || e.renderingProviderGiven) {
    p.name = [{ ...(e.renderingProviderFamily ? { family: e.renderingProviderFamily } : {}), ...(e.renderingProviderGiven ? { given: e.renderingProviderGiven.split(' ') } : {}) }];
  }
  return p;
}

function billingOrganization(e: BillingEncounter): Organization {
  return {
    resourceType: 'Organization',
    id: claimIds.billingOrganization(e.billingProviderNpi),
    identifier: [{ system: NPI_SYSTEM, value: e.billingProviderNpi }],
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
    ...(e.billingProviderName ? { name: e.billingProviderName } : {}),
  };
}

function pickMrn(p: Patient, mrn: string): Identifier {
  const id = p.identifier?.find((i) => i.value === mrn) ?? p.identifier?.[0];
  return id ? { ...(id.type ? { type: id.type } : {}), ...(id.system ? { system: id.system } : {}), value: id.value ?? mrn } : { value: mrn };
}

/** Office billing encounter -> claim-submission Bundle (validated by the caller against fd-claim-bundle). */
export function encounterToClaimBundle(e: BillingEncounter, opts: ClaimBundleOptions = {}): Result<Bundle> {
  const issues: Issue[] = [];
  const parties = claimParties(e, opts.patient);
  issues.push(...parties.issues);
  const { patient, coverages, payers, extra } = parties.value!;
  const prac = practitioner(e);
  const billing = billingOrganization(e);
  const refs: ClaimReferences = {
    patient: urnFor(patient),
    ...(opts.patient ? { patientIdentifier: pickMrn(opts.patient, e.patientMrn) } : {}),
    practitioner: urnFor(prac),
    billingOrganization: urnFor(billing),
    coverages: coverages.map(urnFor),
    payers: coverages.map((c) => {
      const payer = payers.find((p) => c.payor?.some((r) => r.reference === `Organization/${p.id}` || r.reference === urnFor(p)));
      return payer ? urnFor(payer) : '';
    }),
  };
  // Inside the Bundle every reference is the entry's urn:uuid (fd-cb-3).
  const local = new Map<string, string>();
  for (const r of [patient, ...coverages, ...payers, ...extra]) local.set(`${r.resourceType}/${r.id}`, urnFor(r));
  const relink = <T>(r: T): T => JSON.parse(JSON.stringify(r), (k, v) => (k === 'reference' && typeof v === 'string' && local.has(v) ? local.get(v) : v)) as T;

  const claimRes = encounterToClaim(e, refs);
  issues.push(...claimRes.issues);
  const claim: Claim = { ...claimRes.value!, meta: { profile: [CLAIM_PROFILE] } };
  const resources: Resource[] = [claim, relink(patient), ...coverages.map(relink), ...payers.map(relink), prac, billing, ...extra.map(relink)];
  const type = opts.type ?? 'collection';
  const seen = new Set<string>();
  const entry: BundleEntry[] = [];
  for (const r of resources) {
    const url = urnFor(r);
    if (seen.has(url)) continue; // the billing provider may also be a payer's org only by accident; keep one entry
    seen.add(url);
    entry.push({ fullUrl: url, resource: r, ...(type === 'transaction' ? { request: { method: 'PUT' as const, url: `${r.resourceType}/${r.id}` } } : {}) });
  }
  const bundle: Bundle = {
    resourceType: 'Bundle',
    id: claimBundleId(e.encounterId),
    meta: { profile: [CLAIM_BUNDLE_PROFILE] },
    identifier: { system: 'https://frontdesk.example.org/sid/encounter-id', value: e.encounterId },
    type,
    entry,
  };
  return { value: bundle, issues };
}

/** Resolve references of a Bundle's entries by fullUrl or Type/id. */
export function bundleResolver(b: Bundle): Resolver {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const en of b.entry ?? []) {
    if (!en.resource) continue;
    if (en.fullUrl) byKey.set(en.fullUrl, en.resource as unknown as Record<string, unknown>);
    byKey.set(`${en.resource.resourceType}/${en.resource.id}`, en.resource as unknown as Record<string, unknown>);
  }
  return (ref) => (ref ? byKey.get(ref) : undefined);
}

/** Claim-submission Bundle -> office billing encounter (names and member ids from the entries). */
export function claimBundleToEncounter(b: Bundle): Result<BillingEncounter> {
  const claims = (b.entry ?? []).filter((e) => e.resource?.resourceType === 'Claim');
  if (claims.length !== 1) {
    return { value: undefined, issues: [issue('MAP_MISSING', `A claim Bundle holds exactly one Claim; this one holds ${claims.length}.`, 'Bundle.entry')] };
  }
  const at = b.entry!.indexOf(claims[0]!);
  const r = claimToEncounter(claims[0]!.resource as Claim, bundleResolver(b));
  return { value: r.value, issues: r.issues.map((i) => ({ ...i, expression: i.expression?.map((x) => x.replace(/^Claim/, `Bundle.entry[${at}].resource`)) })) };
}
