/**
 * Dropped-in profiles (config `profiles.extraDir`) are compiled when the gateway starts: a broken
 * StructureDefinition stops the start with exit 2 and names its file, before anything listens.
 * The gateway runs as `npm start` runs it: the compiled dist/main.js (test/support/build-once.ts builds it).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tempDir } from '../support/gateway.js';

describe('runtime: dropped-in profiles checked at start', function () {
  this.timeout(60_000);

  it('a broken StructureDefinition in profiles.extraDir stops the start (exit 2) naming the file', () => {
    const tmp = tempDir();
    try {
      const dir = join(tmp.dir, 'profiles');
      mkdirSync(dir);
      writeFileSync(join(dir, 'broken-patient.json'), JSON.stringify({
        resourceType: 'StructureDefinition', url: 'http://example.org/fhir/StructureDefinition/broken', name: 'Broken',
        status: 'active', kind: 'resource', abstract: false, type: 'Patient', derivation: 'constraint',
        baseDefinition: 'http://hl7.org/fhir/StructureDefinition/NoSuchBase',
        differential: { element: [{ id: 'Patient.name', path: 'Patient.name', min: 1 }] },
      }));
      const config = JSON.parse(readFileSync(resolve('examples/config/gateway.json'), 'utf8')) as Record<string, unknown>;
      config.profiles = { extraDir: dir };
      const file = join(tmp.dir, 'gateway.json');
      writeFileSync(file, JSON.stringify(config));
      const r = spawnSync(process.execPath, ['dist/main.js', '--config', file], {
        cwd: resolve('.'), encoding: 'utf8', timeout: 50_000,
        env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent', FRONTDESK_DB: join(tmp.dir, 'gw.db') },
      });
      expect(r.status, r.stdout + r.stderr).to.equal(2);
      expect(r.stderr).to.include('broken-patient.json');
      expect(r.stdout).to.not.include('listening');
    } finally {
      tmp.cleanup();
    }
  });
  it('a port already in use stops the start with one line and exit 2, not a stack trace', async () => {
    const tmp = tempDir();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const config = JSON.parse(readFileSync(resolve('examples/config/gateway.json'), 'utf8')) as Record<string, unknown>;
      config.channels = [{ name: 'registration', source: { mllp: { port } }, destinations: [] }];
      delete config.destinations;
      delete config.jobs;
      delete config.billing; // names clearinghouse destinations this test removed
      const file = join(tmp.dir, 'gateway.json');
      writeFileSync(file, JSON.stringify(config));
      const r = spawnSync(process.execPath, ['dist/main.js', '--config', file], {
        cwd: resolve('.'), encoding: 'utf8', timeout: 50_000,
        env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent', FRONTDESK_DB: join(tmp.dir, 'gw.db'), FRONTDESK_HTTP_PORT: '0' },
      });
      expect(r.status, r.stdout + r.stderr).to.equal(2);
      expect(r.stderr).to.include('EADDRINUSE');
      expect(r.stderr).to.include('MLLP channel "registration" cannot listen').and.include('change channels[0].source.mllp.port (or set FRONTDESK_MLLP_PORT_REGISTRATION)');
      expect(r.stderr).to.not.match(/^\s+at /m);
    } finally {
      blocker.close();
      tmp.cleanup();
    }
  });
});
