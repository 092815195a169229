/**
 * Every shipped example passes the check `frontdesk validate` runs on it (HL7v2 message profile,
 * FHIR profiles, office record schemas, claim edits), and the gateway configuration example
 * passes the configuration checker. Deliberately invalid examples live under an `invalid/` folder
 * or are named `*-invalid.*`: they must fail, with exactly the issues listed in INVALID below.
 * Library calls (as src/cli/validate.ts makes them), plus one CLI spawn over a few of each kind.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect } from 'chai';
import { claimEdits } from '../../src/billing/edits.js';
import { loadConfig } from '../../src/config.js';
import { detectInput } from '../../src/domain/input.js';
import { looksLikeX12 } from '../../src/x12/detect.js';
import { validateX12 } from '../../src/x12/validate.js';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { validateOfficeRecord, validateResource } from '../../src/validation/index.js';

const ROOT = resolve('examples');

/** Files under examples/ that are not examples of a payload (scripts, notes, the scale-out set-up). */
const NOT_EXAMPLES = new Set(['hl7v2/labs/generate.ts', 'invalid/README.md', 'scale-out/haproxy.cfg', 'scale-out/run.sh']);

/** What each deliberately invalid example is meant to show: its error-level issues, `CODE@location`. */
const INVALID: Record<string, string[]> = {
  'invalid/hl7v2/siu-s12-missing-sch16-sch20-invalid.hl7': ['HL7_FIELD_REQUIRED@SCH.16', 'HL7_FIELD_REQUIRED@SCH.20'],
  'invalid/hl7v2/adt-a04-in1-plan-missing-invalid.hl7': ['HL7_FIELD_REQUIRED@IN1[2].2'],
  'invalid/fhir/patient-bad-birthdate-invalid.json': ['FHIR_VALUE@Patient.birthDate'],
  'invalid/office/registration-no-mrn-invalid.json': ['OFFICE_SCHEMA@mrn'],
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [relative(ROOT, full).split('\\').join('/')];
  });
}

const isInvalidExample = (rel: string) => rel.split('/').includes('invalid') || /-invalid\.[^/]+$/.test(rel);

/** The issues `frontdesk validate` reports for a file (same calls as src/cli/validate.ts). */
function validateFile(rel: string): Issue[] {
  const text = readFileSync(join(ROOT, rel), 'utf8');
  if (rel.startsWith('config/')) return loadConfig(join(ROOT, rel), {}).issues;
  if (looksLikeX12(text)) return validateX12(text);
  const detected = detectInput(text);
  const issues: Issue[] = [...detected.issues];
  const input = detected.value;
  if (input?.kind === 'hl7v2') issues.push(...validateMessage(input.message));
  else if (input?.kind === 'fhir') issues.push(...validateResource(input.resource), ...claimEdits(input.resource));
  else if (input?.kind === 'office') issues.push(...validateOfficeRecord(input.record), ...claimEdits(input.record));
  return issues;
}

const errorsOf = (issues: Issue[]) => issues
  .filter((i) => i.severity === 'error' || i.severity === 'fatal')
  .map((i) => `${errorCodeOf(i)}@${i.expression?.join(',') ?? ''}`);

/** The kind a file's place and name say it is, to check detection agrees. */
function expectedKind(rel: string): string | undefined {
  const top = rel.startsWith('invalid/') ? rel.split('/')[1] : rel.split('/')[0];
  return top === 'hl7v2' ? 'hl7v2' : top === 'fhir' ? 'fhir' : top === 'office' ? 'office' : undefined;
}

const all = filesUnder(ROOT).filter((f) => !NOT_EXAMPLES.has(f));

describe('examples: every shipped example validates', function () {
  this.timeout(120_000);

  it('finds examples of every kind (hl7v2, fhir, office, config) and deliberately invalid ones', () => {
    for (const kind of ['hl7v2/', 'fhir/', 'office/', 'config/']) expect(all.some((f) => f.startsWith(kind)), kind).to.equal(true);
    expect(all.filter(isInvalidExample).sort()).to.deep.equal(Object.keys(INVALID).sort());
  });

  for (const rel of all.filter((f) => !isInvalidExample(f))) {
    it(`${rel}: no error-level issue`, () => {
      const issues = validateFile(rel);
      expect(errorsOf(issues), issues.filter((i) => i.severity === 'error').map((i) => i.diagnostics).join('\n')).to.deep.equal([]);
      const kind = expectedKind(rel);
      if (kind) expect(detectInput(readFileSync(join(ROOT, rel), 'utf8')).value?.kind, 'detected kind').to.equal(kind);
    });
  }

  for (const rel of all.filter(isInvalidExample)) {
    it(`${rel}: fails, showing ${(INVALID[rel] ?? ['(undeclared)']).join(', ')}`, () => {
      expect(INVALID[rel], 'declare in INVALID what this invalid example shows').to.not.equal(undefined);
      const kind = expectedKind(rel);
      if (kind) expect(detectInput(readFileSync(join(ROOT, rel), 'utf8')).value?.kind, 'detected kind').to.equal(kind);
      expect(errorsOf(validateFile(rel))).to.deep.equal(INVALID[rel]);
    });
  }
});

describe('examples: `frontdesk validate` (CLI) agrees', function () {
  this.timeout(180_000);

  function cli(rel: string): { code: number | null; errors: string[] } {
    // HL7v2 invalid examples show message-profile errors, which only a strict channel keeps as errors
    // (the default, tolerant, reports them as warnings: docs/hl7v2.md, tolerance policy).
    const strict = rel.startsWith('invalid/hl7v2/') ? ['--validation', 'strict'] : [];
    const r = spawnSync(process.execPath, [resolve('bin/frontdesk.js'), 'validate', join('examples', rel), ...strict], {
      encoding: 'utf8', env: { ...process.env, FRONTDESK_PROFILE_DIR: '' }, timeout: 60_000,
    });
    const oo = JSON.parse(r.stdout) as { issue: { severity: string; details?: { coding?: { code: string }[] }; expression?: string[] }[] };
    return {
      code: r.status,
      errors: oo.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${i.details?.coding?.[0]?.code}@${i.expression?.join(',') ?? ''}`),
    };
  }

  it('exit 0 for valid examples of each kind, exit 1 with the declared issues for invalid ones', () => {
    const valid = [
      'hl7v2/registration/adt-a04-two-policies.hl7', 'hl7v2/scheduling/s12-new.hl7', 'hl7v2/labs/oru-r01-v23-chemistry.hl7',
      'fhir/patient.json', 'fhir/claim-bundle.json',
      'office/registration-two-policies.json', 'office/appointment-booked.json',
    ];
    for (const rel of valid) expect(cli(rel), rel).to.deep.equal({ code: 0, errors: [] });
    for (const rel of ['invalid/hl7v2/siu-s12-missing-sch16-sch20-invalid.hl7', 'invalid/fhir/patient-bad-birthdate-invalid.json', 'invalid/office/registration-no-mrn-invalid.json']) {
      expect(cli(rel), rel).to.deep.equal({ code: 1, errors: INVALID[rel] });
    }
  });
});
