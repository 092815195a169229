/**
 * Every message of the public corpus (../shared/corpus/hl7v2-ms-fhir-converter, not copied into
 * the repo) parses without a crash and serializes back to the same text (BOM, trailing empty
 * delimiters and segment terminators aside); validateMessage runs on each without throwing.
 * Our own examples (examples/hl7v2) round-trip exactly and conform to their profiles.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHl7 } from '../../src/hl7/message.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { hasErrors } from '../../src/domain/issues.js';
import { describeWithCorpus } from '../support/shared-corpus.js';

const EXAMPLES = path.resolve('examples/hl7v2');

/** Compare modulo BOM, line ending style, blank lines and trailing empty delimiters. */
function normalize(text: string): string {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).filter((l) => l.trim() !== '')
    .map((l) => l.replace(/[|^~&\\ ]+$/, '')).join('\r');
}

describeWithCorpus('hl7v2-ms-fhir-converter', 'hl7/corpus: public sample messages', (CORPUS) => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.hl7')).sort();

  it('finds the corpus', () => {
    expect(files.length, CORPUS).to.be.greaterThan(50);
  });

  it('parses, round-trips and validates every message without a crash (prints the tally)', () => {
    let roundTrip = 0;
    let withErrors = 0;
    const failures: string[] = [];
    for (const f of files) {
      const text = readFileSync(path.join(CORPUS, f), 'utf8');
      const r = parseHl7(text);
      if (!r.value) {
        failures.push(`${f}: not parsed (${r.issues[0]?.diagnostics})`);
        continue;
      }
      if (normalize(r.value.toString()) === normalize(text)) roundTrip++;
      else failures.push(`${f}: round trip differs`);
      if (hasErrors(validateMessage(r.value))) withErrors++;
    }
    console.log(`      corpus: ${roundTrip}/${files.length} round-trip, ${withErrors} with validation errors`);
    expect(failures).to.deep.equal([]);
    expect(roundTrip).to.equal(files.length);
  });
});

describe('hl7/examples: our synthetic messages', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.hl7'));
  for (const f of files) {
    it(`${f} round-trips exactly and conforms`, () => {
      const text = readFileSync(path.join(EXAMPLES, f), 'utf8');
      const r = parseHl7(text);
      expect(r.issues).to.deep.equal([]);
      expect(r.value!.toString()).to.equal(text);
      expect(validateMessage(r.value!)).to.deep.equal([]);
    });
  }
});
