/**
 * Authorization cost on the FHIR API (issue #18): what checking a SMART bearer JWT (signature by
 * a JWKS key, issuer, audience, expiry; src/auth/jwt.ts) costs beside an API key.
 * - JWT verifications of tokens not seen before per CPU-second of this process, ES384 and RS384
 *   keys (JWKS from a file);
 * - `GET /fhir/Patient/{id}` on the running gateway (client in the same process), sequential:
 *   reads per CPU-second of the process and p50/p99 wall-clock, with an API key, then with a JWT
 *   (system/Patient.rs; the same token on every request, as a client sends it: verified once, then
 *   remembered by the verifier). Both include the scope check and the audit row written before the answer.
 * The target: a read with a JWT keeps at least 2/3 of the reads per CPU-second of a read with an
 * API key (the JWT check costs at most half a read). The load average is reported beside.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startHttpBenchGateway } from './http-gateway.js';

export interface ReadFigures { perCpuSecond: number; p50: number; p99: number }

export interface FhirAuthFigures {
  verifyEs384PerCpuSecond: number;
  verifyRs384PerCpuSecond: number;
  apiKey: ReadFigures;
  jwt: ReadFigures;
  /** Audit rows written during the HTTP reads (sanity: one per read). */
  auditRows: number;
  load: string;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

export async function runFhirAuth(): Promise<FhirAuthFigures> {
  const QUICK = process.env.BENCH_QUICK === '1';
  const verifications = QUICK ? 300 : 3000;
  const reads = QUICK ? 200 : 2000;
  const { testKey, signToken, writeJwks } = await import('../test/support/jwt-issuer.js');
  const { jwtVerifier } = await import('../src/auth/jwt.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-auth-'));
  const ISS = 'https://auth.bench.example';
  const AUD = 'https://frontdesk.bench.example/fhir';
  try {
    const es = await testKey('es', 'ES384');
    const rs = await testKey('rs', 'RS384');
    const jwks = path.join(dir, 'jwks.json');
    writeJwks(jwks, es, rs);
    const v = jwtVerifier({ issuer: ISS, audience: AUD, jwks: { file: jwks } });
    // Distinct tokens (a verifier remembers a token it has checked): the cost of a first sight.
    const rate = async (key: typeof es) => {
      const tokens = await Promise.all(Array.from({ length: verifications + 50 }, (_, i) => signToken(key, { issuer: ISS, audience: AUD, scope: 'system/Patient.rs', expiresIn: 3600, clientId: `client-${i}` })));
      for (let i = 0; i < 50; i++) await v.verify(tokens[i]!);
      const c0 = process.cpuUsage();
      for (let i = 50; i < tokens.length; i++) if (!(await v.verify(tokens[i]!)).ok) throw new Error('token refused');
      return verifications / cpuSeconds(process.cpuUsage(c0));
    };
    const esToken = await signToken(es, { issuer: ISS, audience: AUD, scope: 'system/Patient.rs', expiresIn: 3600 });
    const verifyEs384PerCpuSecond = await rate(es);
    const verifyRs384PerCpuSecond = await rate(rs);

    const key = 'bench-auth-key-1';
    const gw = await startHttpBenchGateway({ path: path.join(dir, 'fd.db') }, { keys: [{ name: 'bench', key, scopes: ['system/Patient.rs'] }, { name: 'admin', key: 'bench-admin-key', scopes: ['*'] }], jwt: { issuer: ISS, audience: AUD, jwksFile: jwks } });
    try {
      const url = `${gw.http!.url}/fhir/Patient/bench-auth-1`;
      const put = await fetch(url, { method: 'PUT', headers: { authorization: 'Bearer bench-admin-key', 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', id: 'bench-auth-1', gender: 'unknown' }) });
      if (put.status !== 201) throw new Error(`PUT answered ${put.status}`);
      const before = await gw.store.audit.count({});
      const readsWith = async (credential: string): Promise<ReadFigures> => {
        const get = async () => {
          const r = await fetch(url, { headers: { authorization: `Bearer ${credential}` } });
          if (r.status !== 200) throw new Error(`GET answered ${r.status}`);
          await r.arrayBuffer();
        };
        for (let i = 0; i < 50; i++) await get();
        const lat: number[] = [];
        const c0 = process.cpuUsage();
        for (let i = 0; i < reads; i++) {
          const s = performance.now();
          await get();
          lat.push(performance.now() - s);
        }
        return { perCpuSecond: reads / cpuSeconds(process.cpuUsage(c0)), p50: pct(lat, 50), p99: pct(lat, 99) };
      };
      const apiKey = await readsWith(key);
      const jwt = await readsWith(esToken);
      const auditRows = (await gw.store.audit.count({})) - before;
      return { verifyEs384PerCpuSecond, verifyRs384PerCpuSecond, apiKey, jwt, auditRows, load: os.loadavg().map((x) => x.toFixed(1)).join(' ') };
    } finally {
      await gw.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
