/**
 * X12 5010 benchmark items: an 837P batch of 100 claims (the golden examples' claim Bundles, each
 * with its own CLM-01), built by build837p (claim edits, guide map, read-back) and read back by
 * parse837 (envelope, guide validation, claim model); the same text parsed by node-x12 (strict,
 * segments and envelope only: it knows no guide), and our envelope reader alone beside it, which is
 * the like-for-like figure; and the example 835 read with its balancing checked.
 * One child per library, so each peak RSS is its own.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, Claim } from 'fhir/r4.js';
import { measure, tryMeasure, keep, type Rate } from './harness.js';
import { checkConfig } from '../src/config.js';
import type { BillingIdentity } from '../src/billing/identity.js';
import { build837p } from '../src/x12/837p/build.js';
import { parse837 } from '../src/x12/837p/parse.js';
import { readInterchange } from '../src/x12/envelope.js';
import { read835 } from '../src/x12/inbound/remit835.js';

export const X12_CLAIMS = 100;
const EXAMPLES = ['claim-single-line', 'claim-several-lines', 'claim-patient-not-subscriber', 'claim-secondary-coverage', 'claim-line-place-of-service'];
const NOW = new Date('2026-06-01T14:30:00Z');

function identity(): BillingIdentity {
  return checkConfig(JSON.parse(readFileSync('examples/config/gateway.json', 'utf8')) as unknown, '/tmp', {}).value!.billing!;
}

/** 100 claim Bundles: the examples in turn, each Claim with its own encounter number (CLM-01). */
function bundles(): Bundle[] {
  return Array.from({ length: X12_CLAIMS }, (_, i) => {
    const b = JSON.parse(readFileSync(`examples/x12/${EXAMPLES[i % EXAMPLES.length]}.json`, 'utf8')) as Bundle;
    const claim = b.entry!.find((e) => e.resource?.resourceType === 'Claim')!.resource as Claim;
    claim.identifier![0]!.value = `ENC-BENCH-${String(i + 1).padStart(6, '0')}`;
    return b;
  });
}

async function build(bs: Bundle[], id: BillingIdentity): Promise<string> {
  let n = 0;
  const r = await build837p(bs, { identity: id, destination: 'clearinghouse', allocate: () => ++n, now: NOW, today: '2026-06-01' });
  if (!r.value?.x12 || r.value.claims.length !== bs.length) throw new Error(`the 837P batch did not build: ${JSON.stringify(r.issues.slice(0, 3))}`);
  return r.value.x12;
}

export interface X12Figures {
  bytes: number; segments: number; claims: number;
  /** interchanges per CPU-second */
  parse: Rate['perSecond'] | string;
  parseGuide?: Rate['perSecond'] | string;
  build?: number | string;
  read835?: number | string;
  issues?: number;
}

export async function runX12(lib: 'Frontdesk' | 'node-x12'): Promise<X12Figures> {
  const id = identity();
  const bs = bundles();
  const text = await build(bs, id);
  const base = { bytes: Buffer.byteLength(text), segments: text.split('~').length - 1, claims: X12_CLAIMS };
  if (lib === 'node-x12') {
    const { X12Parser } = await import('node-x12');
    const rate = tryMeasure(() => new X12Parser(true).parse(text));
    return { ...base, parse: typeof rate === 'string' ? rate : rate.perSecond };
  }
  const parsed = parse837(text);
  if (parsed.value?.encounters.length !== X12_CLAIMS) throw new Error('parse837 did not read every claim');
  const remit = readFileSync('examples/x12/inbound/835-paid.x12', 'utf8');
  if (!read835(remit).value?.balanced) throw new Error('the example 835 does not read balanced');
  // build837p is async (control numbers may come from the store): time it over a fixed count.
  const runs = process.env.BENCH_QUICK === '1' ? 3 : 20;
  await build(bs, id);
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) keep(await build(bs, id));
  const c = process.cpuUsage(c0);
  return {
    ...base,
    parse: measure(() => readInterchange(text)).perSecond,
    parseGuide: measure(() => parse837(text)).perSecond,
    build: (runs * 1e6) / Math.max(1, c.user + c.system),
    read835: measure(() => read835(remit)).perSecond,
    issues: parsed.issues.length,
  };
}
