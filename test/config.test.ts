import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, loadConfig, DEFAULT_CONFIG_FILE } from '../src/config.js';
import type { Issue } from '../src/domain/issues.js';
import { configJson, tempDir } from './support/gateway.js';

const where = (issues: Issue[]) => issues.map((i) => i.expression?.[0]);

describe('config: checked at start, errors name the key', () => {
  it('loads the sample configuration used by npm start', () => {
    const r = loadConfig(DEFAULT_CONFIG_FILE, {});
    expect(r.issues).to.deep.equal([]);
    expect(r.value!.channels.map((c) => c.name)).to.include.members(['registration', 'lab-results']);
    expect(r.value!.store.path).to.match(/data[\\/]frontdesk\.db$/);
  });

  it('applies defaults and environment overrides', () => {
    const r = checkConfig({ channels: [] }, '/x', { FRONTDESK_DB: '/tmp/other.db', FRONTDESK_HTTP_PORT: '9999', FRONTDESK_TIMEZONE: 'Europe/Paris' });
    expect(r.value!.store.path).to.equal('/tmp/other.db');
    expect(r.value!.http.port).to.equal(9999);
    expect(r.value!.practice.timezone).to.equal('Europe/Paris');
    expect(r.value!.mllp.frameTimeoutMs).to.equal(30_000);
  });

  it('names each bad key', () => {
    const bad = configJson('/tmp/x.db', {
      practice: { timezone: 'Mars/Olympus' },
      http: { port: 70000, auth: { keys: [{ name: 'k', key: 'short', scopes: ['everything'] }] } },
      channels: [
        { name: 'a', source: { mllp: { port: 2575 } }, destinations: ['nowhere'], messageTypes: ['ADT-A04'] },
        { name: 'a', source: { mllp: { port: 2575 }, http: { path: '/x' } }, colour: 'blue', validation: 'sometimes' },
        { name: 'b', source: { mllp: { port: 'abc' } } },
      ],
      extra: true,
    });
    const r = checkConfig(bad, '/x', {});
    expect(r.value).to.equal(undefined);
    expect(r.issues.every((i) => i.details?.coding?.[0]?.code === 'CONFIG_INVALID')).to.equal(true);
    expect(where(r.issues)).to.include.members([
      'practice.timezone',
      'http.port',
      'http.auth.keys[0].key',
      'http.auth.keys[0].scopes[0]',
      'channels[0].destinations[0]',
      'channels[0].messageTypes[0]',
      'channels[1].name',
      'channels[1].source',
      'channels[1].colour',
      'channels[1].validation',
      'channels[1].source.mllp.port',
      'channels[2].source.mllp.port',
      'extra',
    ]);
  });

  it('delegates destinations and jobs to delivery, whose issues name their keys', () => {
    const r = checkConfig(configJson('/tmp/x.db', { destinations: { ehr: { type: 'fhir' } } }), '/x', {});
    expect(r.value).to.equal(undefined);
    expect(where(r.issues).some((w) => w?.startsWith('destinations.ehr'))).to.equal(true);
  });

  it('checks that a destination takes the payload its channel sends', () => {
    const cfg = configJson('/tmp/x.db', {
      destinations: { lab: { type: 'mllp', host: '127.0.0.1', port: 2590 }, ehr: { type: 'fhir', baseUrl: 'https://ehr.example.org/fhir', auth: { type: 'none' } } },
      channels: [{ name: 'c', source: { mllp: { port: 0 } }, destinations: ['lab', { name: 'ehr', payload: 'raw' }, { name: 'lab', payload: 'raw' }, 'ehr'] }],
    });
    const r = checkConfig(cfg, '/x', {});
    expect(where(r.issues)).to.deep.equal(['channels[0].destinations[0]', 'channels[0].destinations[1]']);
  });

  it('reads API keys from the environment (keyEnv) and reports a missing variable', () => {
    const cfg = configJson('/tmp/x.db', { http: { auth: { keys: [{ name: 'k', keyEnv: 'FD_TEST_KEY', scopes: ['*'] }] } } });
    expect(checkConfig(cfg, '/x', { FD_TEST_KEY: 'from-the-environment' }).value!.http.auth.keys[0]!.key).to.equal('from-the-environment');
    expect(where(checkConfig(cfg, '/x', {}).issues)).to.deep.equal(['http.auth.keys[0].keyEnv']);
  });

  it('takes SMART system scopes on API keys and refuses user/patient, restricted or malformed ones by name', () => {
    const keys = [
      { name: 'ok', key: 'key-ok-123', scopes: ['system/Patient.rs', 'system/*.read', 'fhir', 'hl7v2'] },
      { name: 'bad', key: 'key-bad-123', scopes: ['patient/Patient.rs', 'system/Observation.rs?category=laboratory', 'system/Patient.sr', 'system/patient.read'] },
    ];
    const r = checkConfig(configJson('/tmp/x.db', { http: { auth: { keys } } }), '/x', {});
    expect(where(r.issues)).to.deep.equal(['http.auth.keys[1].scopes[0]', 'http.auth.keys[1].scopes[1]', 'http.auth.keys[1].scopes[2]', 'http.auth.keys[1].scopes[3]']);
    expect(r.issues[0]!.diagnostics).to.contain('acts as a system; use system/Patient.rs');
    expect(r.issues[1]!.diagnostics).to.contain('query restriction');
    expect(r.issues[2]!.diagnostics).to.contain('"cruds" in that order');
    const ok = checkConfig(configJson('/tmp/x.db', { http: { auth: { keys: [keys[0]] } } }), '/x', {});
    expect(ok.value!.http.auth.keys[0]!.scopes).to.deep.equal(keys[0]!.scopes);
  });

  it('checks http.auth.jwt: issuer, audience, exactly one JWKS source, a readable public JWKS file, https URLs, algorithms', () => {
    const tmp = tempDir();
    try {
      const jwks = join(tmp.dir, 'jwks.json');
      writeFileSync(jwks, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-384', x: 'AAAA', y: 'AAAA', kid: 'k1' }] }));
      const jwt = (j: Record<string, unknown>) => checkConfig(configJson('/tmp/x.db', { http: { auth: { keys: [], jwt: j } } }), tmp.dir, {});
      const good = jwt({ issuer: 'https://auth.example', audience: ['https://fd.example/fhir'], jwksFile: 'jwks.json', tokenEndpoint: 'https://auth.example/token' });
      expect(good.issues).to.deep.equal([]);
      expect(good.value!.http.auth.jwt).to.deep.include({ issuer: ['https://auth.example'], jwksFile: jwks, clockToleranceSeconds: 60 });
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ audience: 'a', jwksFile: 'jwks.json' }, 'http.auth.jwt.issuer', /is required/],
        [{ issuer: 'i', jwksFile: 'jwks.json' }, 'http.auth.jwt.audience', /is required/],
        [{ issuer: 'i', audience: 'a' }, 'http.auth.jwt', /exactly one of "jwksFile" or "jwksUrl"/],
        [{ issuer: 'i', audience: 'a', jwksFile: 'jwks.json', jwksUrl: 'https://x/jwks' }, 'http.auth.jwt', /exactly one/],
        [{ issuer: 'i', audience: 'a', jwksFile: 'missing.json' }, 'http.auth.jwt.jwksFile', /cannot read JWKS file .*ENOENT/],
        [{ issuer: 'i', audience: 'a', jwksUrl: 'http://keys.example/jwks' }, 'http.auth.jwt.jwksUrl', /https:\/\//],
        [{ issuer: 'i', audience: 'a', jwksUrl: 'https://x/jwks', algorithms: ['HS256'] }, 'http.auth.jwt.algorithms[0]', /asymmetric only/],
        [{ issuer: 'i', audience: 'a', jwksUrl: 'https://x/jwks', color: 1 }, 'http.auth.jwt.color', /unknown key/],
      ];
      for (const [j, key, says] of cases) {
        const r = jwt(j);
        expect(where(r.issues), JSON.stringify(j)).to.deep.equal([key]);
        expect(r.issues[0]!.diagnostics).to.match(says).and.not.contain('\n');
      }
      expect(jwt({ issuer: 'i', audience: 'a', jwksUrl: 'http://127.0.0.1:9/jwks' }).issues).to.deep.equal([]);
    } finally {
      tmp.cleanup();
    }
  });

  it('reports an unreadable or non-JSON file', () => {
    const tmp = tempDir();
    try {
      expect(loadConfig(join(tmp.dir, 'missing.json'), {}).issues[0]!.diagnostics).to.contain('Cannot read');
      writeFileSync(join(tmp.dir, 'bad.json'), '{ nope');
      expect(loadConfig(join(tmp.dir, 'bad.json'), {}).issues[0]!.diagnostics).to.contain('not valid JSON');
    } finally {
      tmp.cleanup();
    }
  });
});

describe('config: the environment variables it does not read itself are named where it says so', () => {
  it('every FRONTDESK_* variable read outside src/config.ts is listed in its header comment', () => {
    const header = readFileSync('src/config.ts', 'utf8').split('*/')[0]!;
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && f !== 'config.ts');
    const read = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(join('src', f), 'utf8').matchAll(/process\.env(?:\.|\[')(FRONTDESK_[A-Z0-9_]+)/g)) read.add(m[1]!);
    }
    expect(read.size).to.be.greaterThan(0);
    expect([...read].filter((v) => !header.includes(v))).to.deep.equal([]);
  });
});
