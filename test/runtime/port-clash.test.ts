/** A port clash at start names the channel and the key to change; MLLP ports follow the environment like http.port. */
import { expect } from 'chai';
import net from 'node:net';
import { join } from 'node:path';
import { checkConfig } from '../../src/config.js';
import { configJson, registerTestFlow, startTest, tempDir } from '../support/gateway.js';

function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      resolve({ port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe('runtime: ports at start', () => {
  let t: ReturnType<typeof tempDir>;
  let flow: ReturnType<typeof registerTestFlow>;
  beforeEach(() => { t = tempDir(); flow = registerTestFlow(); });
  afterEach(() => { flow.remove(); t.cleanup(); });

  it('FRONTDESK_MLLP_PORT_<CHANNEL> overrides that channel\'s port; a bad value names the variable', () => {
    const json = configJson('/tmp/x.db', {
      channels: [
        { name: 'lab-results', source: { mllp: { port: 2577 } }, destinations: [] },
        { name: 'registration', source: { mllp: { port: 2575 } }, destinations: [] },
      ],
    });
    const r = checkConfig(json, '/x', { FRONTDESK_MLLP_PORT_LAB_RESULTS: '3577' });
    expect(r.value!.channels.map((c) => c.source.mllp?.port)).to.deep.equal([3577, 2575]);
    const bad = checkConfig(json, '/x', { FRONTDESK_MLLP_PORT_REGISTRATION: 'http' });
    expect(bad.issues.map((i) => i.expression?.[0])).to.deep.equal(['FRONTDESK_MLLP_PORT_REGISTRATION']);
    // Two channels moved onto one port by the environment are caught like two in the file.
    const clash = checkConfig(json, '/x', { FRONTDESK_MLLP_PORT_LAB_RESULTS: '2575' });
    expect(clash.issues.map((i) => i.expression?.[0])).to.deep.equal(['channels[1].source.mllp.port']);
  });

  it('an MLLP port in use: the error names the channel, the address, the key and the variable', async () => {
    const taken = await occupy();
    try {
      const channels = [
        { name: 'free', source: { mllp: { port: 0 } }, flow: 'test-flow', destinations: [] },
        { name: 'lab-results', source: { mllp: { port: taken.port } }, flow: 'test-flow', destinations: [] },
      ];
      const err = await startTest(join(t.dir, 'a.db'), { channels }).then(() => undefined, (e: Error) => e);
      expect(err?.message).to.equal(`MLLP channel "lab-results" cannot listen on 127.0.0.1:${taken.port}: the port is already in use ` +
        '(by another process, or another gateway), EADDRINUSE; change channels[1].source.mllp.port (or set FRONTDESK_MLLP_PORT_LAB_RESULTS), or mllp.host (or FRONTDESK_MLLP_HOST)');
    } finally {
      await taken.close();
    }
  });

  it('the HTTP port in use: the error names http.port and FRONTDESK_HTTP_PORT', async () => {
    const taken = await occupy();
    try {
      const json = configJson(join(t.dir, 'b.db'));
      const err = await startTest(join(t.dir, 'b.db'), { http: { ...(json.http as object), port: taken.port } }).then(() => undefined, (e: Error) => e);
      expect(err?.message).to.match(new RegExp(`^HTTP cannot listen on 127\\.0\\.0\\.1:${taken.port}: the port is already in use .*, EADDRINUSE; change http\\.port \\(or set FRONTDESK_HTTP_PORT\\)`));
    } finally {
      await taken.close();
    }
  });
});
