import { expect } from 'chai';
import { parseHl7, createMessage } from '../../src/hl7/message.js';
import { errorCodeOf } from '../../src/domain/issues.js';

const ADT = [
  'MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1',
  'EVN|A04|20240301083000-0500',
  'PID|1||MRN001^^^CLINIC^MR~999-00-1234^^^SSA^SS||Testpatient^Alex^Q||19800215|F',
  'ZPI|custom|data',
].join('\r');

describe('hl7/message: parse and serialize', () => {
  it('reads fields, components and repetitions', () => {
    const { value: m, issues } = parseHl7(ADT);
    expect(issues).to.deep.equal([]);
    expect(m!.messageType).to.equal('ADT^A04');
    expect(m!.messageStructure).to.equal('ADT_A01');
    expect(m!.controlId).to.equal('MSG0001');
    expect(m!.version).to.equal('2.5.1');
    const pid = m!.segment('PID')!;
    expect(pid.get(3, 1)).to.equal('MRN001');
    expect(pid.get(3, 5, 1, 2)).to.equal('SS');
    expect(pid.repetitionCount(3)).to.equal(2);
    expect(pid.get(5, 2)).to.equal('Alex');
    expect(m!.msh.get(1)).to.equal('|');
    expect(m!.msh.get(2)).to.equal('^~\\&');
  });

  it('keeps a negative UTC offset exactly as sent', () => {
    const m = parseHl7(ADT).value!;
    expect(m.msh.get(7)).to.equal('20240301083000-0500');
  });

  it('accepts \\n and \\r\\n segment terminators', () => {
    for (const t of ['\n', '\r\n']) {
      const m = parseHl7(ADT.replace(/\r/g, t)).value!;
      expect(m.segments.map((s) => s.name)).to.deep.equal(['MSH', 'EVN', 'PID', 'ZPI']);
    }
  });

  it('round-trips text exactly, Z-segments included', () => {
    expect(parseHl7(ADT).value!.toString()).to.equal(ADT + '\r');
  });

  it('honours custom delimiters, including a truncation character', () => {
    const custom = ADT.replace('MSH|^~\\&|', 'MSH#$*!%#').replace(/\|/g, '#').replace(/\^/g, '$').replace(/~/g, '*');
    const m = parseHl7(custom).value!;
    expect(m.delimiters).to.include({ field: '#', component: '$', repetition: '*', escape: '!', subcomponent: '%', truncation: '' });
    expect(m.segment('PID')!.get(5, 2)).to.equal('Alex');
    const five = parseHl7('MSH|^~\\&#|A\rPID|1||X\\P\\Y').value!;
    expect(five.delimiters.truncation).to.equal('#');
    expect(five.segment('PID')!.get(3)).to.equal('X#Y');
  });

  it('unescapes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ and hex, and escapes them back', () => {
    const m = parseHl7('MSH|^~\\&|A\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X41\\').value!;
    expect(m.segment('NTE')!.get(3)).to.equal('a|b^c&d~e\\fA');
    const out = createMessage({ 3: 'A' });
    out.add('NTE', { 1: 1, 3: 'a|b^c&d~e\\f' });
    expect(out.toString()).to.equal('MSH|^~\\&|A\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\r');
  });

  it('builds segments from structured values keyed by field number', () => {
    const out = createMessage({ 3: 'FD', 9: ['ADT', 'A08', 'ADT_A01'], 12: '2.5.1' });
    out.add('PID', { 3: { repeat: [['M1', '', '', 'CLINIC', 'MR'], ['S2']] }, 5: ['Doe', 'Jo'] });
    expect(out.toString()).to.equal('MSH|^~\\&|FD||||||ADT^A08^ADT_A01|||2.5.1\rPID|||M1^^^CLINIC^MR~S2||Doe^Jo\r');
  });

  it('names locations with the occurrence for repeating segments', () => {
    const m = parseHl7('MSH|^~\\&|A\rOBX|1\rOBX|2\rPID|1').value!;
    expect(m.location(m.segment('OBX', 2)!, 5)).to.equal('OBX[2].5');
    expect(m.location(m.segment('PID')!, 7)).to.equal('PID.7');
  });

  it('locations stay right when segments are added after a location was asked', () => {
    const m = parseHl7('MSH|^~\\&|A\rOBX|1\rPID|1').value!;
    const first = m.segment('OBX')!;
    expect(m.location(first, 5)).to.equal('OBX.5');
    const second = m.add('OBX', { 1: 2 });
    expect(m.location(first, 5)).to.equal('OBX[1].5');
    expect(m.location(second, 5)).to.equal('OBX[2].5');
    expect(m.occurrence(second)).to.equal(2);
  });

  it('locating every segment of a long message reads the segment list a bounded number of times per segment, not once per segment each (quadratic)', () => {
    const text = 'MSH|^~\\&|A\r' + Array.from({ length: 2000 }, (_, i) => `OBX|${i + 1}`).join('\r');
    const parsed = parseHl7(text).value!;
    let reads = 0;
    const counted = new Proxy(parsed.segments, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const m = new (parsed.constructor as new (s: typeof parsed.segments, d: typeof parsed.delimiters) => typeof parsed)(counted, parsed.delimiters);
    const locations = parsed.segments.slice(1).map((seg) => m.location(seg, 5));
    expect(locations[1999]).to.equal('OBX[2000].5');
    expect(reads).to.be.below(10 * 2001);
  });

  it('reports rather than throws on bad input', () => {
    expect(errorCodeOf(parseHl7('PID|1').issues[0]!)).to.equal('HL7_NOT_MSH');
    expect(errorCodeOf(parseHl7('MSH|^~|A').issues[0]!)).to.equal('HL7_DELIMITERS');
    expect(errorCodeOf(parseHl7('MSH|^^\\&|A').issues[0]!)).to.equal('HL7_DELIMITERS');
    const r = parseHl7('MSH|^~\\&|A\rpid|1\rPID|1');
    expect(r.value!.segments.map((s) => s.name)).to.deep.equal(['MSH', 'PID']);
    expect(errorCodeOf(r.issues[0]!)).to.equal('HL7_SEGMENT_NAME');
  });
});
