/**
 * #17: the commit ACK is written straight from the inbound MSH (commitAckText) instead of through
 * the general ACK builder; it must be the same text buildAck makes, for every MSH intake may see:
 * our examples, the public corpus, other delimiters, escapes in the echoed fields, each version's
 * MSH-9 shape, missing and trailing fields.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ackText, buildAck, commitAckText, type AckCode } from '../../src/hl7/ack.js';
import { issue, type Issue } from '../../src/domain/issues.js';
import { parseHl7, type Hl7Message } from '../../src/hl7/message.js';
import { readHl7Header } from '../../src/runtime/intake-header.js';
import { describeWithCorpus } from '../support/shared-corpus.js';

const at = new Date(2026, 11, 7, 19, 5, 9);

/** Issues of every shape an ERR is written from: located or not, catalogue codes or none, each severity, delimiters and escapes in the text. */
const ISSUES: Issue[] = [
  issue('MAP_UNKNOWN_CODE', '"EC" is not a known code of table 0131; kept as text.', 'NK1.7', 'warning'),
  issue('HL7_FIELD_REQUIRED', 'PID-3 is required | ^ ~ \\ & here', 'PID[2].3.1.2'),
  issue('MAP_INFO', 'no location at all'),
  { severity: 'fatal', code: 'exception', diagnostics: 'no catalogue code', expression: ['Patient.name', 'OBX[3].5'] },
  { severity: 'information', code: 'informational' },
];

function same(m: Hl7Message, label: string): void {
  const slow = buildAck(m, { code: 'CA', timestamp: at, controlId: 'FDX1' }).toString();
  const fast = commitAckText(m, { timestamp: at, controlId: 'FDX1' });
  expect(fast, label).to.equal(slow);
  // The application ACK's text (ackText), with ERR segments for issues, a text, and more issues than shown.
  const cases: Array<{ code: AckCode; issues?: Issue[]; text?: string; maxErrors?: number }> = [
    { code: 'AA' }, { code: 'AA', issues: ISSUES.slice(0, 1) }, { code: 'AE', issues: ISSUES }, { code: 'AR', issues: ISSUES, text: 'see ERR^x' },
    { code: 'AE', issues: [...ISSUES, ...ISSUES], maxErrors: 4 },
  ];
  for (const c of cases) {
    const opts = { ...c, timestamp: at, controlId: 'FDX1' };
    expect(ackText(m, opts), `${label} ${JSON.stringify(c)}`).to.equal(buildAck(m, opts).toString());
  }
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.hl7') ? [path.join(dir, e.name)] : []));
}

const MSH = 'MSH|^~\\&|SEND|SFAC|RECV|RFAC|20260101120000||ADT^A04^ADT_A01|C1|P|2.5.1|||AL|NE';

describe('hl7/ack: the commit ACK and the application ACK written from the MSH', () => {
  it('equals buildAck for every example message, parsed whole and as intake reads it (MSH and PID only)', () => {
    const all = files(path.resolve('examples/hl7v2'));
    expect(all.length).to.be.greaterThan(5);
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      const whole = parseHl7(text).value;
      if (!whole) continue;
      same(whole, f);
      same(readHl7Header(text).message!, `${f} (header)`);
    }
  });

  it('equals buildAck for other delimiters, escapes, versions and field counts', () => {
    const variants = [
      MSH,
      MSH.replace('|C1|', '|C\\F\\1^x&y~z|'),
      MSH.replace('|C1|', '||'),
      MSH.replace('|2.5.1|', '|2.3|'),
      MSH.replace('|2.5.1|', '|2.3.1|'),
      MSH.replace('|2.5.1|', '|2.4^USA|'),
      MSH.replace('|2.5.1|', '||'),
      MSH.replace('|2.5.1|', '|x|'),
      `${MSH}||||UNICODE UTF-8`,
      `${MSH}||||8859/1|||`,
      'MSH|^~\\&|S^N^ISO|F&sub~rep',
      'MSH|^~\\&',
      'MSH|^~\\&||||||||||2.5',
      'MSH|^~\\&|A|B|C|D|E|F|ORU|1|T|2.2',
      'MSH#:@\\!#SEND#SFAC#RECV#RFAC#2026##ADT:A04:ADT_A01#C#1@2#P#2.5.1###AL#NE',
      'MSH|^~\\&#|SEND|SFAC|RECV|RFAC|2026||ADT^A04|C#1|P|2.7',
    ];
    for (const v of variants) {
      const m = parseHl7(`${v}\rPID|1||M1`).value;
      expect(m, v).to.not.equal(undefined);
      same(m!, v);
    }
  });

  it('makes its own control id and timestamp when none is given, as buildAck does', () => {
    const m = parseHl7(MSH).value!;
    const text = commitAckText(m);
    const [msh, msa] = text.split('\r');
    expect(msh!.split('|')[9]).to.match(/^FD[0-9A-Z]+$/);
    expect(msh!.split('|')[6]).to.match(/^\d{14}[+-]\d{4}$/);
    expect(msa).to.equal('MSA|CA|C1');
    expect(text.endsWith('\r')).to.equal(true);
  });
});

describeWithCorpus('hl7v2-ms-fhir-converter', 'hl7/ack: the commit ACK of every corpus message', (CORPUS) => {
  it('equals buildAck', () => {
    let n = 0;
    for (const f of readdirSync(CORPUS).filter((x) => x.endsWith('.hl7'))) {
      const m = parseHl7(readFileSync(path.join(CORPUS, f), 'utf8')).value;
      if (!m) continue;
      same(m, f);
      n++;
    }
    expect(n).to.be.greaterThan(50);
  });
});
