import { expect } from 'chai';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { checkJwksFile, jwtVerifier, looksLikeJwt, scopesOf, type VerifyResult } from '../../src/auth/jwt.js';
import { serveJwks, signToken, testKey, writeJwks, type TestKey } from '../support/jwt-issuer.js';
import { tempDir } from '../support/gateway.js';

const ISS = 'https://auth.test.example';
const AUD = 'https://frontdesk.test.example/fhir';

const refused = (r: VerifyResult) => (r.ok ? 'accepted' : r.failure);

describe('auth/jwt: bearer JWT verification (issuer, audience, expiry, signature from a JWKS)', () => {
  let es: TestKey;
  let rs: TestKey;
  let other: TestKey;
  let tmp: ReturnType<typeof tempDir>;
  let jwksFile: string;

  before(async () => {
    es = await testKey('es-1', 'ES384');
    rs = await testKey('rs-1', 'RS384');
    other = await testKey('es-1', 'ES384'); // same kid, another key: a forged signature
    tmp = tempDir();
    jwksFile = join(tmp.dir, 'jwks.json');
    writeJwks(jwksFile, es, rs);
  });
  after(() => tmp.cleanup());

  const fromFile = () => jwtVerifier({ issuer: ISS, audience: AUD, jwks: { file: jwksFile } });

  it('accepts a token signed by a key of the JWKS file and reads client id and scopes', async () => {
    const v = fromFile();
    for (const key of [es, rs]) {
      const r = await v.verify(await signToken(key, { clientId: 'ehr-backend', scope: 'system/Patient.rs system/Observation.read' }));
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      if (!r.ok) continue;
      expect(r.token.clientId).to.equal('ehr-backend');
      expect(r.token.scopes).to.deep.equal(['system/Patient.rs', 'system/Observation.read']);
      expect(r.token.issuer).to.equal(ISS);
      expect(Date.parse(r.token.expiresAt)).to.be.greaterThan(Date.now());
    }
  });

  it('names what is wrong: expired, not yet valid, issuer, audience, signature, unknown kid, algorithm, malformed, no exp', async () => {
    const v = fromFile();
    expect(refused(await v.verify(await signToken(es, { expiresIn: -120 })))).to.equal('expired');
    expect(refused(await v.verify(await signToken(es, { notBefore: 600 })))).to.equal('not-yet-valid');
    expect(refused(await v.verify(await signToken(es, { issuer: 'https://evil.example' })))).to.equal('issuer');
    expect(refused(await v.verify(await signToken(es, { audience: 'https://other.example/fhir' })))).to.equal('audience');
    expect(refused(await v.verify(await signToken(other)))).to.equal('signature');
    expect(refused(await v.verify(await signToken(es, { kid: 'nobody' })))).to.equal('unknown-kid');
    expect(refused(await v.verify(await signToken(es, { expiresIn: null })))).to.equal('claims');
    expect(refused(await v.verify('not-a-jwt'))).to.equal('malformed');
    // alg none: header {"alg":"none"}, any payload, empty signature.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64({ iss: ISS, aud: AUD, exp: Math.floor(Date.now() / 1000) + 60, sub: 'x' })}.`;
    expect(refused(await v.verify(none))).to.equal('algorithm');
    const r = await v.verify(await signToken(es, { expiresIn: -120 }));
    expect(r.ok ? '' : r.message).to.equal('The JWT has expired (exp).');
  });

  it('tolerates the configured clock skew, and only that', async () => {
    const v = jwtVerifier({ issuer: ISS, audience: AUD, jwks: { file: jwksFile }, clockToleranceSeconds: 30 });
    expect(refused(await v.verify(await signToken(es, { expiresIn: -10 })))).to.equal('accepted');
    expect(refused(await v.verify(await signToken(es, { expiresIn: -45 })))).to.equal('expired');
  });

  it('accepts any of several issuers and audiences, and a token without kid when one key fits', async () => {
    const v = jwtVerifier({ issuer: [ISS, 'https://second.example'], audience: ['https://a.example', AUD], jwks: { file: jwksFile } });
    expect(refused(await v.verify(await signToken(es, { issuer: 'https://second.example', audience: 'https://a.example' })))).to.equal('accepted');
    expect(refused(await v.verify(await signToken(es, { kid: null })))).to.equal('accepted');
  });

  it('bounds the lifetime when asked (iat too old)', async () => {
    const v = jwtVerifier({ issuer: ISS, audience: AUD, jwks: { file: jwksFile }, maxLifetimeSeconds: 300, clockToleranceSeconds: 0 });
    const old = Math.floor(Date.now() / 1000) - 3600;
    expect(refused(await v.verify(await signToken(es, { issuedAt: old, expiresIn: 60 })))).to.equal('claims');
  });

  it('remembers a verified token (same text) without letting it outlive its exp', async () => {
    let clock = Date.now();
    const v = jwtVerifier({ issuer: ISS, audience: AUD, jwks: { file: jwksFile }, clockToleranceSeconds: 0, now: () => new Date(clock) });
    const t = await signToken(es, { expiresIn: 120 });
    expect(refused(await v.verify(t))).to.equal('accepted');
    clock += 60_000;
    expect(refused(await v.verify(t))).to.equal('accepted');
    clock += 90_000; // past exp: the remembered entry does not answer for it
    expect(refused(await v.verify(t))).to.equal('expired');
    // A token differing in one character is not the remembered one.
    const u = await signToken(es, { expiresIn: 120 });
    clock = Date.now();
    expect(refused(await v.verify(u))).to.equal('accepted');
    const tampered = u.slice(0, -2) + (u.endsWith('AA') ? 'BB' : 'AA');
    expect(refused(await v.verify(tampered))).to.be.oneOf(['signature', 'malformed']);
  });

  it('fetches the keys from a JWKS URL once, and again for a rotated-in kid', async () => {
    const server = await serveJwks(es);
    try {
      const v = jwtVerifier({ issuer: ISS, audience: AUD, jwks: { url: server.url }, jwksCooldownMs: 0 });
      expect(refused(await v.verify(await signToken(es)))).to.equal('accepted');
      expect(refused(await v.verify(await signToken(es)))).to.equal('accepted');
      expect(server.fetches()).to.equal(1);
      expect(refused(await v.verify(await signToken(other)))).to.equal('signature');
      const next = await testKey('es-2');
      server.setKeys(es, next);
      expect(refused(await v.verify(await signToken(next)))).to.equal('accepted');
      expect(server.fetches()).to.equal(2);
    } finally {
      await server.close();
    }
  });

  it('answers jwks-unavailable (no crash) when the JWKS URL does not answer', async () => {
    const server = await serveJwks(es);
    const url = server.url;
    await server.close();
    const v = jwtVerifier({ issuer: ISS, audience: AUD, jwks: { url }, fetchTimeoutMs: 2000 });
    expect(refused(await v.verify(await signToken(es)))).to.equal('jwks-unavailable');
  });

  it('checks a JWKS file in one line: unreadable, not JSON, no keys, a private or symmetric key', async () => {
    expect(checkJwksFile(jwksFile)).to.equal(undefined);
    expect(checkJwksFile(join(tmp.dir, 'none.json'))).to.match(/cannot read JWKS file .*ENOENT/);
    const f = join(tmp.dir, 'bad.json');
    writeFileSync(f, '{');
    expect(checkJwksFile(f)).to.match(/not valid JSON/);
    writeFileSync(f, '{"keys":[]}');
    expect(checkJwksFile(f)).to.match(/no "keys" array/);
    writeFileSync(f, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-384', x: 'a', y: 'b', d: 'c' }] }));
    expect(checkJwksFile(f)).to.match(/keys\[0\] holds a private key/);
    writeFileSync(f, JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }));
    expect(checkJwksFile(f)).to.match(/symmetric/);
  });

  it('tells a JWT from an API key, and reads scope and scp', () => {
    expect(looksLikeJwt('dev-only-change-me')).to.equal(false);
    expect(looksLikeJwt('eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJ4In0.c2ln')).to.equal(true);
    expect(scopesOf({ scope: ' system/Patient.rs  system/*.read ' })).to.deep.equal(['system/Patient.rs', 'system/*.read']);
    expect(scopesOf({ scp: ['a', 'b'] })).to.deep.equal(['a', 'b']);
    expect(scopesOf({})).to.deep.equal([]);
  });
});
