/**
 * visitOfMessage remembers the PV1 texts that made an Encounter with neither visit number (PV1-19)
 * nor admit time (PV1-44), and answers them again without reading the PV1
 * (src/flows/recorded-visit.ts). The remembered answer must name the fields of the PV1 at hand,
 * and must follow the message's delimiters: the same text read with other separators can say
 * something else.
 */
import { expect } from 'chai';
import type { Patient } from 'fhir/r4.js';
import { errorCodeOf } from '../../src/domain/issues.js';
import { visitOfMessage } from '../../src/flows/recorded-visit.js';
import { emptyLookup } from '../../src/flows/types.js';
import { parse } from '../support/labs.js';

const patient: Patient = { resourceType: 'Patient', id: 'p-unnamed' };
const ctx = { timezone: 'America/Chicago', lookup: emptyLookup };
const msh = (msh2: string) => `MSH|${msh2}|A|B|C|D|20240101||ORU${msh2[0]}R01|1|P|2.5.1\rPID|1||M1\r`;

describe('visitOfMessage: a PV1 nothing names, remembered by its text', () => {
  it('says the same thing the second time, at the PV1 of that message', () => {
    const pv1 = 'PV1|1|O|||||1234567893^Careful^Casey^^^Dr^MD^^^^^^NPI\r';
    const first = parse(msh('^~\\&') + pv1);
    const a = visitOfMessage(first, patient, ctx, first.segment('PV1'));
    expect(a.value).to.equal(undefined);
    expect(a.issues.map((i) => [errorCodeOf(i), i.expression])).to.deep.equal([['MAP_INFO', ['PV1.19']]]);
    const again = visitOfMessage(first, patient, ctx, first.segment('PV1'));
    expect(again).to.deep.equal(a);
    // Two PV1 in one message: the remembered answer names the second one's fields.
    const two = parse(msh('^~\\&') + pv1 + 'PID|2||M2\r' + pv1);
    const second = two.segments.filter((s) => s.name === 'PV1')[1]!;
    const b = visitOfMessage(two, patient, ctx, second);
    expect(b.value).to.equal(undefined);
    expect(b.issues.map((i) => i.expression)).to.deep.equal([['PV1[2].19']]);
    expect(b.issues[0]!.diagnostics).to.contain('PV1[2].19 (visit number) and PV1[2].44 (admit time) are empty');
  });

  it('the same PV1 text under another component separator is read again', () => {
    // With `#` as component separator PV1-2 is class O; with `^` it is the unknown code `O#X`.
    const pv1 = 'PV1|1|O#X|||||1234567893\r';
    const hash = parse(msh('#~\\&') + pv1);
    const h = visitOfMessage(hash, patient, ctx, hash.segment('PV1'));
    expect(h.issues.map((i) => errorCodeOf(i))).to.deep.equal(['MAP_INFO']);
    const caret = parse(msh('^~\\&') + pv1);
    const c = visitOfMessage(caret, patient, ctx, caret.segment('PV1'));
    expect(c.value).to.equal(undefined);
    expect(c.issues.map((i) => errorCodeOf(i))).to.include('MAP_UNKNOWN_CODE');
    expect(c.issues.map((i) => errorCodeOf(i))).not.to.include('MAP_INFO');
  });
});
