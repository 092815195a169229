import { expect } from 'chai';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHl7 } from '../../src/hl7/message.js';
import { fieldTree } from '../../src/mapping/engine.js';
import { describeWithCorpus } from '../support/shared-corpus.js';

/** Checks every field of every .hl7 file under dir; returns how many fields were compared. */
function agreeOnFolder(dir: string): number {
  let fields = 0;
  const names = readdirSync(dir, { recursive: true }).map(String).filter((n) => n.endsWith('.hl7'));
  for (const name of names) {
    const msg = parseHl7(readFileSync(path.join(dir, name), 'utf8')).value;
    if (!msg) continue;
    for (const seg of msg.segments) {
      for (let n = 1; n <= seg.fieldCount + 1; n++) {
        expect(fieldTree(seg, n), `${name} ${seg.name}-${n}`).to.deep.equal(seg.tree(n));
        fields++;
      }
    }
  }
  return fields;
}

describeWithCorpus('hl7v2-ms-fhir-converter', 'mapping engine fieldTree on the public corpus', (CORPUS) => {
  it('agrees with tree() on every field of the public corpus', () => {
    expect(agreeOnFolder(CORPUS)).to.be.greaterThan(1000);
  });
});

/** The engine's loop version of Hl7Segment.tree must read every field exactly as tree() does. */
describe('mapping engine fieldTree (same reading as Hl7Segment.tree)', () => {
  it('agrees with tree() on every field of the shipped examples', () => {
    expect(agreeOnFolder(path.resolve('examples/hl7v2'))).to.be.greaterThan(100);
  });

  it('agrees with tree() on random fields with delimiters, escapes and custom encoding characters (1,000 runs)', () => {
    const encodings = ['^~\\&', '$*/!', '^~\\&#'];
    const alphabet = fc.constantFrom('a', 'B', '1', ' ', '^', '~', '\\', '&', '$', '*', '/', '!', '#', 'F', 'S', 'T', 'R', 'E', '.', 'X', '0');
    fc.assert(fc.property(fc.constantFrom(...encodings), fc.array(fc.array(alphabet, { maxLength: 40 }).map((cs) => cs.join('')), { maxLength: 5 }), (enc, values) => {
      // Field separator '|' never appears inside a value here (it would start another field).
      const text = `MSH|${enc}|A|B|||20240101||ADT^A04|1|P|2.5.1\rPID|${values.join('|')}\r`;
      const msg = parseHl7(text).value!;
      for (const seg of msg.segments) {
        for (let n = 1; n <= seg.fieldCount + 1; n++) expect(fieldTree(seg, n)).to.deep.equal(seg.tree(n));
      }
    }), { numRuns: 1000 });
  });
});
