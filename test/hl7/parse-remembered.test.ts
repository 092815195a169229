/**
 * What the parser and the message remember between calls (src/hl7/message.ts): the delimiters
 * last read without an issue (by their MSH-1 + MSH-2 text) and each segment's location label
 * (`OBX[3]`, by the segment index). Neither may leak from one message, or one shape of a message,
 * into another.
 */
import { expect } from 'chai';
import { parseHl7 } from '../../src/hl7/message.js';

const msh = (d: string) => `MSH${d}|A|B|C|D|20240301||ADT^A04^ADT_A01|1|P|2.5.1`.replace('|', d[0]!);

describe('parser: remembered delimiters and segment labels', () => {
  it('reads each message with its own delimiters, alternating', () => {
    for (let i = 0; i < 3; i++) {
      const a = parseHl7(`MSH|^~\\&|A|B|C|D|20240301||ADT^A04^ADT_A01|1|P|2.5.1\rPID|1||X1^^^A^MR~X2`);
      expect(a.issues).to.deep.equal([]);
      expect(a.value!.delimiters).to.deep.equal({ field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '' });
      expect(a.value!.segment('PID')!.get(3, 1, 1, 2)).to.equal('X2');
      const b = parseHl7(`MSH#*@$%#A#B#C#D#20240301##ADT*A04*ADT_A01#1#P#2.5.1\rPID#1##X1***A*MR@X2`);
      expect(b.issues).to.deep.equal([]);
      expect(b.value!.delimiters).to.deep.equal({ field: '#', component: '*', repetition: '@', escape: '$', subcomponent: '%', truncation: '' });
      expect(b.value!.segment('PID')!.get(3, 1, 1, 2)).to.equal('X2');
      const c = parseHl7(`MSH|^~\\&#|A|B|C|D|20240301||ADT^A04^ADT_A01|1|P|2.7`);
      expect(c.value!.delimiters.truncation).to.equal('#');
    }
    expect(msh('|^~\\&')).to.contain('MSH|^~\\&|');
  });

  it('says the doubled escape character every time, not only the first', () => {
    for (let i = 0; i < 3; i++) {
      const r = parseHl7('MSH|^~\\\\&|A|B|C|D|20240301||ADT^A04^ADT_A01|1|P|2.5.1');
      expect(r.issues.map((x) => x.expression?.[0]), `parse ${i + 1}`).to.deep.equal(['MSH.2']);
      expect(r.value!.delimiters.subcomponent).to.equal('&');
    }
  });

  it('still rejects bad delimiters after good ones were read', () => {
    parseHl7('MSH|^~\\&|A|B|C|D|20240301||ADT^A04^ADT_A01|1|P|2.5.1');
    expect(parseHl7('MSH|^~|A|B').value).to.equal(undefined);
    expect(parseHl7('MSH|^^\\&|A|B').value).to.equal(undefined);
  });

  it('labels a segment by its occurrence, and again when a segment of its name is added', () => {
    const m = parseHl7('MSH|^~\\&|A|B|C|D|20240301||ORU^R01^ORU_R01|1|P|2.5.1\rPID|1\rOBR|1\rOBX|1\rNTE|1').value!;
    const obx = m.segment('OBX')!;
    expect(m.location(obx, 5)).to.equal('OBX.5');
    expect(m.location(obx)).to.equal('OBX');
    m.add('OBX', { 1: '2' });
    expect(m.location(obx, 5)).to.equal('OBX[1].5');
    expect(m.location(m.segments[m.segments.length - 1]!, 5, 2)).to.equal('OBX[2].5.2');
    const other = parseHl7('MSH|^~\\&|A|B|C|D|20240301||ORU^R01^ORU_R01|1|P|2.5.1\rOBX|1\rOBX|2').value!;
    expect(other.location(other.segments[2]!)).to.equal('OBX[2]');
    expect(m.location(other.segments[2]!)).to.equal('OBX[0]');
  });
});
