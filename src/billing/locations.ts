/**
 * Where a claim edit points: the same rule names `lines[1].charge` on an office billing
 * encounter and `Claim.item[1].net` on a FHIR Claim (or inside a claim Bundle).
 */
export interface EditLocator {
  encounterId: string;
  renderingNpi: string;
  billingNpi: string;
  dateOfService: string;
  placeOfService: string;
  coverages: string;
  memberId(k: number): string;
  diagnoses: string;
  diagnosis(i: number): string;
  line(n: number): string;
  lineCode(n: number): string;
  modifier(n: number, j: number): string;
  pointers(n: number): string;
  pointer(n: number, j: number): string;
  units(n: number): string;
  charge(n: number): string;
  lineDate(n: number): string;
  linePlaceOfService(n: number): string;
  status: string;
  claimFrequency: string;
  payerClaimNumber: string;
  total: string;
}

export const encounterLocator: EditLocator = {
  encounterId: 'encounterId',
  renderingNpi: 'renderingProviderNpi',
  billingNpi: 'billingProviderNpi',
  dateOfService: 'dateOfService',
  placeOfService: 'placeOfService',
  coverages: 'coverages',
  memberId: (k) => `coverages[${k}].memberId`,
  diagnoses: 'diagnoses',
  diagnosis: (i) => `diagnoses[${i}]`,
  line: (n) => `lines[${n}]`,
  lineCode: (n) => `lines[${n}].code`,
  modifier: (n, j) => `lines[${n}].modifiers[${j}]`,
  pointers: (n) => `lines[${n}].pointers`,
  pointer: (n, j) => `lines[${n}].pointers[${j}]`,
  units: (n) => `lines[${n}].units`,
  charge: (n) => `lines[${n}].charge`,
  lineDate: (n) => `lines[${n}].dateOfService`,
  linePlaceOfService: (n) => `lines[${n}].placeOfService`,
  status: 'status',
  claimFrequency: 'claimFrequency',
  payerClaimNumber: 'payerClaimNumber',
  total: 'totalCharge',
};

/**
 * FHIRPaths into a Claim. `prefix` places it (e.g. `Bundle.entry[3].resource`); `memberIdAt`
 * names where a coverage's member id lives (the Coverage entry in a Bundle, else the reference).
 */
export function claimLocator(prefix = 'Claim', memberIdAt?: (k: number) => string | undefined): EditLocator {
  const p = prefix;
  return {
    encounterId: `${p}.identifier`,
    renderingNpi: `${p}.careTeam[0].provider.identifier.value`,
    billingNpi: `${p}.provider.identifier.value`,
    dateOfService: `${p}.billablePeriod.start`,
    placeOfService: `${p}.item[0].locationCodeableConcept`,
    coverages: `${p}.insurance`,
    memberId: (k) => memberIdAt?.(k) ?? `${p}.insurance[${k}].coverage.identifier.value`,
    diagnoses: `${p}.diagnosis`,
    diagnosis: (i) => `${p}.diagnosis[${i}].diagnosisCodeableConcept`,
    line: (n) => `${p}.item[${n}]`,
    lineCode: (n) => `${p}.item[${n}].productOrService`,
    modifier: (n, j) => `${p}.item[${n}].modifier[${j}]`,
    pointers: (n) => `${p}.item[${n}].diagnosisSequence`,
    pointer: (n, j) => `${p}.item[${n}].diagnosisSequence[${j}]`,
    units: (n) => `${p}.item[${n}].quantity.value`,
    charge: (n) => `${p}.item[${n}].net`,
    lineDate: (n) => `${p}.item[${n}].servicedDate`,
    linePlaceOfService: (n) => `${p}.item[${n}].locationCodeableConcept`,
    status: `${p}.status`,
    claimFrequency: `${p}.related`,
    payerClaimNumber: `${p}.related[0].claim.identifier.value`,
    total: `${p}.total`,
  };
}
