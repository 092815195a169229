import { expect } from 'chai';
import nock from 'nock';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttp, send } from '../../src/clients/http.js';

/** A partner on loopback that sends its headers and part of the body, then drops the connection. */
function droppingPartner(): Promise<{ url: string; close(): void }> {
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': '1000' });
    res.write('{"resourceType":"Bun');
    setTimeout(() => req.socket.destroy(), 10);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/fhir`,
    close: () => srv.close(),
  })));
}

describe('clients/http: send', () => {
  it('a connection dropped mid-answer is transient, not TOO_LARGE (the answer was well under the limit)', async () => {
    const partner = await droppingPartner();
    try {
      const r = await send(createHttp({ timeoutMs: 2000, maxResponseBytes: 1_000_000, maxRedirects: 0 }), { method: 'POST', url: partner.url, headers: {}, body: '{}' }, 0);
      expect(r.failure?.errorCode).to.equal('DELIVERY_TRANSIENT');
    } finally {
      partner.close();
    }
  });

  it('a redirect to an unreadable Location is the partner\'s answer, not an exception', async () => {
    nock('https://ehr.example.org').post('/fhir').reply(302, '', { location: 'https://[bad' });
    try {
      const r = await send(createHttp({ timeoutMs: 2000, maxResponseBytes: 1_000_000, maxRedirects: 3 }), { method: 'POST', url: 'https://ehr.example.org/fhir', headers: {}, body: '{}' }, 3);
      expect(r.failure).to.include({ errorCode: 'DELIVERY_REJECTED', partnerStatus: '302' });
    } finally {
      nock.cleanAll();
    }
  });
});
