/**
 * The R4 validator cases of FHIR/fhir-test-cases (../shared/corpus/fhir-test-cases, 118 cases,
 * each with the number of errors the reference Java validator reports against base R4). Every
 * case is validated the way the CLI does it (`otherwise: 'base'`: --profile absent, meta.profile
 * when loaded, else the base type) and compared by verdict: valid (no error) or invalid.
 *
 * Prints a tally (agree / false alarm / missed, per reason). Fails on any false alarm (we call
 * invalid what the reference accepts) and on fewer agreements than AGREED. Cases whose only
 * findings need a terminology server (display names, code validity in LOINC/SNOMED) are listed
 * as such: offline, we say "not checked" instead.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';
import { validateResource } from '../../src/validation/index.js';
import { describeWithCorpus } from '../support/shared-corpus.js';

/** Agreed floor: raise it when the engine agrees on more cases, never lower it. */
const AGREED = 113;

interface Case {
  name: string;
  file: string;
  resourceType: string;
  expectedErrors: number;
  expectedMessages: string[];
}

/** Why the reference validator finds an error we cannot find offline, from its message. */
function reasonOf(message: string): string {
  if (/Wrong Display Name|Unknown code|not found in the CodeSystem|version '.*snomed/i.test(message)) return 'needs a terminology server';
  if (/signature/i.test(message)) return 'digital signature verification';
  if (/Can't find|matches in bundle|Found \d+ matches/.test(message)) return 'Bundle reference resolution';
  if (/magic .* code .* required/.test(message)) return 'profile from an IG package we do not have';
  return 'other';
}

const isError = (i: Issue): boolean => i.severity === 'error' || i.severity === 'fatal';

describeWithCorpus('fhir-test-cases', 'validation: the R4 cases of fhir-test-cases agree with the reference validator', (dir) => {
  it(`agrees on at least ${AGREED} of the cases, with no false alarm; prints the tally`, function () {
    this.timeout(120_000);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { cases: Case[] };
    const tally = { agree: 0, falseAlarm: [] as string[], missed: new Map<string, string[]>() };
    const terminology: string[] = [];
    for (const c of manifest.cases) {
      const resource = JSON.parse(readFileSync(join(dir, c.file), 'utf8')) as unknown;
      const issues = validateResource(resource, { otherwise: 'base' });
      const errors = issues.filter(isError);
      const reasons = [...new Set(c.expectedMessages.map(reasonOf))];
      if (reasons.includes('needs a terminology server')) terminology.push(c.name);
      if ((errors.length > 0) === (c.expectedErrors > 0)) {
        tally.agree++;
      } else if (errors.length > 0) {
        tally.falseAlarm.push(`${c.name}: ${errors.slice(0, 3).map((e) => `${errorCodeOf(e)} at ${e.expression?.join(',')}: ${e.diagnostics}`).join(' | ')}`);
      } else {
        const reason = reasons.filter((r) => r !== 'other').join(' + ') || 'other';
        tally.missed.set(reason, [...(tally.missed.get(reason) ?? []), c.name]);
      }
    }
    const missed = [...tally.missed.values()].reduce((n, l) => n + l.length, 0);
    const lines = [
      `fhir-test-cases: ${tally.agree}/${manifest.cases.length} agree, ${tally.falseAlarm.length} false alarm(s), ${missed} missed`,
      ...tally.falseAlarm.map((f) => `  false alarm: ${f}`),
      ...[...tally.missed].map(([reason, names]) => `  missed (${reason}): ${names.length}: ${names.join(', ')}`),
      `  cases with findings that need a terminology server (reported offline as not checked): ${terminology.length}: ${terminology.join(', ')}`,
    ];
    console.log(lines.map((l) => `      ${l}`).join('\n'));
    expect(tally.falseAlarm, 'false alarms').to.deep.equal([]);
    expect(tally.agree, 'agreements').to.be.at.least(AGREED);
  });
});
