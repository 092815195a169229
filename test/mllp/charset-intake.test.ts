/**
 * MSH-18 character sets end to end: real loopback MLLP sockets and a real HTTP server, the real
 * ADT flow. What is stored is the bytes as sent plus their right text; the ACK goes back in the
 * sender's set; a byte the declared set cannot read is a warning naming MSH-18, never U+FFFD.
 */
import { expect } from 'chai';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';
import { API_KEY, originalAckMode, startTest, tempDir } from '../support/gateway.js';
import { queryOnStore } from '../support/store-sql.js';

/** The A04 example with MSH-10, MSH-18, the MRN and the family name replaced; text only, encoded by the caller. */
function a04(controlId: string, msh18: string, mrn: string, family: string): string {
  const text = originalAckMode(readFileSync('examples/hl7v2/adt-a04.hl7', 'utf8'));
  return text
    .replace('|ADT0001|', `|${controlId}|`)
    .replace('|USA|UNICODE UTF-8', `|USA|${msh18}`)
    .replaceAll('MRN00012345', mrn)
    .replace('||Testpatient^Alex^Quinn^^^^L', `||${family}^Alex^Quinn^^^^L`);
}

/** Send one frame of bytes on a fresh socket and read the answer frame as bytes. */
function roundTripBytes(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const d = new FrameDecoder({ bytes: true });
    const s = net.connect(port, '127.0.0.1', () => s.write(encodeFrame(bytes)));
    s.on('data', (b: Buffer) => {
      const p = d.push(b).payloads ?? [];
      if (p.length) { s.destroy(); resolve(p[0]!); }
    });
    s.on('error', reject);
  });
}

async function familyOf(gw: Gateway, mrn: string): Promise<string | undefined> {
  const id = (await gw.store.resources.findByIdentifier('Patient', undefined, mrn))[0];
  const p = id ? ((await gw.store.resources.get('Patient', id))!.resource as { name?: Array<{ family?: string }> }) : undefined;
  return p?.name?.[0]?.family;
}

async function rowOf(gw: Gateway, controlId: string) {
  const [first] = await gw.store.messages.list({ controlId });
  return (await gw.store.messages.get(first!.id))!;
}

const msa = (ack: string) => (ack.split('\r').find((l) => l.startsWith('MSA')) ?? '').split('|')[1];

describe('mllp + http: MSH-18 character sets on intake', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let utf8Port: number;
  let latin1Port: number;

  before(async () => {
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      channels: [
        { name: 'utf8-default', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] },
        { name: 'latin1-default', source: { mllp: { port: 0 } }, validation: 'lenient', encoding: '8859/1', destinations: [] },
        { name: 'http-latin1', source: { http: { path: '/hl7v2' } }, validation: 'lenient', encoding: '8859/1', destinations: [] },
      ],
    });
    utf8Port = gw.mllp.find((l) => l.channel === 'utf8-default')!.address().port;
    latin1Port = gw.mllp.find((l) => l.channel === 'latin1-default')!.address().port;
  });

  after(async () => {
    await gw.close();
    tmp.cleanup();
  });

  it('8859/1 in MSH-18: é is stored as é, the bytes exactly as sent, and the ACK comes back in 8859/1', async () => {
    const bytes = Buffer.from(a04('CS1', '8859/1', 'MRNCS1', 'Bérénice'), 'latin1');
    const ack = await roundTripBytes(utf8Port, bytes);
    const ackText = ack.toString('latin1');
    expect(msa(ackText)).to.equal('AA');
    expect(ackText.split('\r')[0]!.split('|')[17]).to.equal('8859/1'); // the ACK declares the set it is in
    const row = await rowOf(gw, 'CS1');
    expect(row.rawBytes!.equals(bytes)).to.equal(true);
    expect(row.charset).to.equal('8859/1');
    expect(row.raw).to.contain('Bérénice^Alex');
    expect(row.issues.filter((i) => i.expression?.[0] === 'MSH.18')).to.deep.equal([]);
    expect(await familyOf(gw, 'MRNCS1')).to.equal('Bérénice');
    // The operator sees the original bytes, not a re-encoding of the text.
    const cli = spawnSync(process.execPath, ['bin/frontdesk.js', 'messages', 'show', String(row.id), '--original', '--db', gw.config.store.path], { env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent' } });
    expect(cli.status).to.equal(0, cli.stderr.toString());
    expect(cli.stdout.equals(bytes)).to.equal(true);
  });

  it('plain ASCII bytes are stored once, as the text, and read back as exactly the bytes sent', async () => {
    const bytes = Buffer.from(a04('CS7', '8859/1', 'MRNCS7', 'Smith'), 'latin1');
    expect(msa((await roundTripBytes(utf8Port, bytes)).toString('latin1'))).to.equal('AA');
    const row = await rowOf(gw, 'CS7');
    expect(row.rawBytes!.equals(bytes)).to.equal(true);
    expect(row.charset).to.equal('8859/1');
    expect(await queryOnStore(gw.store, `SELECT raw_bytes FROM messages WHERE id = ${row.id}`)).to.deep.equal([{ raw_bytes: null }]);
    const cli = spawnSync(process.execPath, ['bin/frontdesk.js', 'messages', 'show', String(row.id), '--original', '--db', gw.config.store.path], { env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent' } });
    expect(cli.status).to.equal(0, cli.stderr.toString());
    expect(cli.stdout.equals(bytes)).to.equal(true);
    // Non-ASCII bytes are kept as sent, beside their text (CS1).
    expect((await queryOnStore<{ n: number }>(gw.store, `SELECT count(*) AS n FROM messages WHERE raw_bytes IS NOT NULL AND control_id = 'CS1'`))[0]!.n).to.equal(1);
  });

  it('8859/15 in MSH-18: Š is read right (0xA6 is ¦ in 8859/1)', async () => {
    const text = a04('CS2', '8859/15', 'MRNCS2', 'Štepan');
    const ack = await roundTripBytes(utf8Port, Buffer.from(text.replace('Š', '\u00a6'), 'latin1'));
    expect(msa(ack.toString('latin1'))).to.equal('AA');
    expect(await familyOf(gw, 'MRNCS2')).to.equal('Štepan');
  });

  it('UNICODE UTF-8 declared but Latin-1 bytes sent: AA with an ERR warning naming MSH-18, é kept, no U+FFFD', async () => {
    const bytes = Buffer.from(a04('CS3', 'UNICODE UTF-8', 'MRNCS3', 'Hélène'), 'latin1');
    const ack = (await roundTripBytes(utf8Port, bytes)).toString('utf8');
    expect(msa(ack)).to.equal('AA');
    const err = ack.split('\r').filter((l) => l.startsWith('ERR') && l.includes('HL7_CHARSET'));
    expect(err).to.have.length(1);
    expect(err[0]).to.contain('MSH^1^18');
    const row = await rowOf(gw, 'CS3');
    expect(row.raw).not.to.contain('\uFFFD');
    expect(await familyOf(gw, 'MRNCS3')).to.equal('Hélène');
    expect(row.issues.map((i) => i.expression?.[0])).to.include('MSH.18');
  });

  it('empty MSH-18: the channel default decides (8859/1 here), and the ACK goes back in it', async () => {
    const bytes = Buffer.from(a04('CS4', '', 'MRNCS4', 'Zoé'), 'latin1');
    const ack = await roundTripBytes(latin1Port, bytes);
    expect(msa(ack.toString('latin1'))).to.equal('AA');
    expect(await familyOf(gw, 'MRNCS4')).to.equal('Zoé');
    expect((await rowOf(gw, 'CS4')).charset).to.equal('8859/1');
  });

  it('UTF-8 multi-byte names over UTF-8 come through unchanged', async () => {
    const ack = await roundTripBytes(utf8Port, Buffer.from(a04('CS5', 'UNICODE UTF-8', 'MRNCS5', 'Łukasiewicz'), 'utf8'));
    expect(msa(ack.toString('utf8'))).to.equal('AA');
    expect(await familyOf(gw, 'MRNCS5')).to.equal('Łukasiewicz');
  });

  it('HTTP intake decodes the same way; the ACK is sent in the sender set with its charset named', async () => {
    const bytes = Buffer.from(a04('CS6', '', 'MRNCS6', 'Renée'), 'latin1');
    const r = await fetch(`${gw.http.url}/hl7v2`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/hl7-v2', authorization: `Bearer ${API_KEY}` } });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/charset=ISO-8859-1/i);
    expect(msa(Buffer.from(await r.arrayBuffer()).toString('latin1'))).to.equal('AA');
    expect(await familyOf(gw, 'MRNCS6')).to.equal('Renée');
    expect((await rowOf(gw, 'CS6')).rawBytes!.equals(bytes)).to.equal(true);
  });
});
