/**
 * The intake header (src/runtime/intake-header.ts) reads MSH and the first PID only and counts the
 * segments from a scan of the lines (#17): it must give what reading the whole parsed message
 * gives (the reference below is the earlier implementation, which parsed every segment), for the
 * examples, their variations (line endings, blank lines, a BOM, stray lines, a second MSH, no PID,
 * unusable delimiters) and generated messages.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseHl7 } from '../../src/hl7/message.js';
import { commitAck } from '../../src/hl7/ack.js';
import { readHl7Header, type Hl7Header } from '../../src/runtime/intake-header.js';

/** The whole-message reading the header replaced (what intake stored and answered before). */
function reference(raw: string): Omit<Hl7Header, 'message'> & { ack?: string | undefined } {
  const msg = parseHl7(raw).value;
  if (!msg) return { ackMode: 'original', acceptAckType: '', appAckType: '', summary: undefined };
  const msh = msg.msh;
  const accept = msh.get(15).toUpperCase();
  const app = msh.get(16).toUpperCase();
  const names: string[] = [];
  for (const s of msg.segments) if (names[names.length - 1] !== s.name) names.push(s.name);
  const h: Omit<Hl7Header, 'message'> & { ack?: string | undefined } = { ackMode: accept !== '' || app !== '' ? 'enhanced' : 'original', acceptAckType: accept, appAckType: app, summary: { segments: msg.segments.length, segmentNames: names } };
  const set = (k: 'controlId' | 'messageType' | 'version' | 'sendingApplication' | 'sendingFacility', v: string) => { if (v !== '' && v !== '^') h[k] = v; };
  set('controlId', msg.controlId);
  set('messageType', msg.messageType);
  set('version', msg.version);
  set('sendingApplication', msh.get(3));
  set('sendingFacility', msh.get(4));
  const pid = msg.segment('PID');
  if (pid) {
    const mrn = pid.get(3);
    if (mrn) h.patientMrn = mrn;
    const family = pid.get(5, 1);
    const given = pid.get(5, 2);
    if (family || given) h.patientName = `${family}^${given}`.toUpperCase();
  }
  h.ack = ackOf(msg);
  return h;
}

/** The commit ACK built from a header's message, without its time and control id (those are per call). */
function ackOf(msg: Parameters<typeof commitAck>[0]): string | undefined {
  const text = commitAck(msg, 'enhanced', 'AL')?.text;
  if (text === undefined) return undefined;
  const [first, ...rest] = text.split('\r');
  const sep = first![3]!;
  const f = first!.split(sep);
  f[6] = 'T';
  f[9] = 'C';
  return [f.join(sep), ...rest].join('\r');
}

function same(raw: string): void {
  const { message, ...got } = readHl7Header(raw);
  expect({ ...got, ack: message ? ackOf(message) : undefined }, JSON.stringify(raw.slice(0, 200))).to.deep.equal({ ack: undefined, ...reference(raw) });
}

function examples(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...examples(p));
    else if (f.endsWith('.hl7')) out.push(readFileSync(p, 'utf8'));
  }
  return out;
}

describe('runtime: the intake header reads MSH and the first PID only', () => {
  const all = examples('examples/hl7v2');

  it('gives what reading the whole message gives, for every example and its variations', () => {
    expect(all.length).to.be.greaterThan(5);
    for (const text of all) {
      const cr = text.replace(/\r?\n/g, '\r');
      const lines = cr.split('\r');
      for (const v of [
        text, cr, cr.replace(/\r/g, '\n'), cr.replace(/\r/g, '\r\n'), `\uFEFF \r\n${cr}`, `${cr}\r\r  \r`,
        lines.join('\r\r'), [lines[0], 'zz1|x', 'PI|x', 'PIDX|1', '   ', ...lines.slice(1)].join('\r'),
        [...lines.slice(0, 2), lines[0], ...lines.slice(1)].join('\r'),
        lines.filter((l) => !l.startsWith('PID')).join('\r'),
        [...lines, 'PID|2||OTHER^^^X^MR||Other^Person'].join('\r'),
        [lines[0], 'PID', ...lines.slice(1)].join('\r'),
        cr.replace(/^MSH\|/, 'MSHA'), cr.replace(/^MSH\|\^~\\&/, 'MSH|^^\\&'), `EVN|x\r${cr}`, 'MSH', '', 'MSH|',
      ]) same(v);
    }
  });

  it('gives what reading the whole message gives for generated messages (500 runs)', () => {
    const seg = fc.tuple(
      fc.constantFrom('PID', 'PV1', 'EVN', 'OBX', 'MSH', 'ZZ9', 'pid', 'P1D', 'NTE', ' ', '', 'PIDX'),
      fc.array(fc.constantFrom('a', 'B', '1', '^', '~', '&', '\\', ' ', '|', 'é', 'X^Y'), { maxLength: 8 }).map((cs) => cs.join('')),
    ).map(([name, rest]) => (name.trim() === '' ? name : `${name}|${rest}`));
    const head = fc.constantFrom('MSH|^~\\&|A|B|C|D|20240101||ADT^A04^ADT_A01|X1|P|2.5.1|||AL|NE', 'MSH|^~\\&|||||||ORU^R01|Y|P|2.3', 'MSH#^~\\&#A#B###x##ADT^A08#Z#P#2.4', 'MSH|^~\\&');
    const end = fc.constantFrom('\r', '\n', '\r\n');
    fc.assert(fc.property(head, fc.array(seg, { maxLength: 12 }), end, (h, segs, e) => { same([h, ...segs].join(e)); }), { numRuns: 500 });
  });
});
