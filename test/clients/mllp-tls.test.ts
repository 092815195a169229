import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { MllpClient } from '../../src/clients/mllp.js';
import { buildAck } from '../../src/hl7/ack.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';
import { adt } from './mllp-partner.js';

describe('clients/mllp over TLS', function () {
  let dir: string;
  let server: tls.Server;
  let port: number;
  let clientCertSeen: boolean[] = [];

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'frontdesk-tls-'));
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    try {
      // A private CA, a partner certificate for partner.test and a client certificate, made per run.
      writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:partner.test\n');
      ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test CA');
      ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=partner.test');
      ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
      ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=frontdesk');
      ossl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
    } catch {
      this.skip(); // no openssl on this machine
    }
    server = tls.createServer({
      key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')), ca: readFileSync(join(dir, 'ca.pem')),
      requestCert: true, rejectUnauthorized: false,
    }, (socket) => {
      clientCertSeen.push(socket.authorized);
      const decoder = new FrameDecoder();
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        for (const f of decoder.push(chunk).frames) socket.write(encodeFrame(buildAck(parseHl7(f).value!, { code: 'AA' }).toString()));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    if (server) await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => { clientCertSeen = []; });

  const base = () => ({ host: '127.0.0.1', port, tls: true, connectTimeoutMs: 2000, ackTimeoutMs: 2000, idleTimeoutMs: 60_000, tlsServerName: 'partner.test' });

  it('delivers to a partner whose certificate chains to the configured CA, with a client certificate', async () => {
    const client = new MllpClient({ ...base(), tlsCaFile: join(dir, 'ca.pem'), tlsCertFile: join(dir, 'client.pem'), tlsKeyFile: join(dir, 'client.key') });
    try {
      expect(await client.send(adt('A04', 'MRN-TLS'))).to.include({ ok: true, partnerStatus: 'AA' });
      expect(clientCertSeen).to.deep.equal([true]);
    } finally {
      client.close();
    }
  });

  it('refuses a partner certificate it cannot verify (transient, nothing sent)', async () => {
    const client = new MllpClient(base());
    try {
      const out = await client.send(adt('A04', 'MRN-TLS'));
      expect(out.ok).to.equal(false);
      if (!out.ok) expect(out.errorCode).to.equal('DELIVERY_TRANSIENT');
    } finally {
      client.close();
    }
  });

  it('a missing TLS file is reported, not thrown', async () => {
    const client = new MllpClient({ ...base(), tlsCaFile: join(dir, 'nope.pem') });
    const out = await client.send(adt('A04', 'MRN-TLS'));
    expect(out).to.include({ ok: false, errorCode: 'DELIVERY_TRANSIENT' });
    if (!out.ok) expect(out.error).to.contain('ENOENT');
  });
});
