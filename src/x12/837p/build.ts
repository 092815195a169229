/**
 * Claim Bundles -> one 837P interchange (ISA/GS, one ST with every claim under the billing
 * provider's 2000A). The claim edits run first: a claim failing them is not batched, it is
 * returned with its issues. What we emit is read back through the same guide map before it is
 * returned (strict in what we emit): an 837P that breaks the guide is never handed out.
 */
import type { Bundle } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../../domain/issues.js';
import { claimEdits, type EditOptions } from '../../billing/edits.js';
import type { BillingIdentity } from '../../billing/identity.js';
import { envelope } from '../envelope.js';
import { writeTransaction } from '../engine.js';
import { loadX12Map } from '../map.js';
import { writeSegments } from '../writer.js';
import { batchModel, claimModel, x12Codes, type SubscriberEntry } from './model.js';
import { parse837 } from './parse.js';
import type { Store } from '../../store/index.js';

export interface Batch837Options extends EditOptions {
  identity: BillingIdentity;
  /** The clearinghouse destination's name (its ids are under billing.clearinghouses). */
  destination: string;
  /** Allocates a control number from a named durable counter (src/store/x12.ts). */
  allocate: (counter: string) => number | Promise<number>;
  now?: Date;
}

export interface Batch837 {
  /** The interchange text; absent when no claim passed. */
  x12?: string;
  interchange: string;
  groupControl: string;
  transactionControl: string;
  /** CLM-01 and total of each claim batched; `detail` says what a replacement or void replaces. */
  claims: Array<{ claimId: string; total: string; detail?: string }>;
  /** Claims left out, each with the issues that kept it out. */
  rejected: Array<{ index: number; issues: Issue[] }>;
}

export async function build837p(bundles: Bundle[], o: Batch837Options): Promise<Result<Batch837>> {
  const ch = o.identity.clearinghouses[o.destination];
  if (!ch) {
    return { value: undefined, issues: [issue('CONFIG_INVALID', `No billing identity for clearinghouse "${o.destination}" (configuration billing.clearinghouses.${o.destination}).`, `billing.clearinghouses.${o.destination}`)] };
  }
  const entries: SubscriberEntry[] = [];
  const rejected: Batch837['rejected'] = [];
  const issues: Issue[] = [];
  bundles.forEach((b, index) => {
    const edits = claimEdits(b, o);
    const m = hasErrors(edits) ? undefined : claimModel(b, o.identity);
    const all = [...edits, ...(m?.issues ?? [])];
    if (!m?.value || hasErrors(all)) { rejected.push({ index, issues: all }); return; }
    issues.push(...all);
    entries.push(m.value);
  });
  const empty = { interchange: '', groupControl: '', transactionControl: '', claims: [], rejected };
  if (!entries.length) return { value: empty, issues };
  const now = o.now ?? new Date();
  const pair = `${ch.isa.senderQualifier}:${ch.isa.senderId.trim()}>${ch.isa.receiverQualifier}:${ch.isa.receiverId.trim()}`;
  const isa13 = await o.allocate(`isa:${pair}`);
  const gs06 = await o.allocate(`gs:${pair}`);
  const st02 = '0001';
  const map = loadX12Map('837p');
  const model = batchModel({ identity: o.identity, clearinghouse: ch, reference: String(isa13), at: now }, entries);
  const body = writeTransaction(map, model as unknown as Record<string, unknown>);
  const segments = envelope(
    { ...ch.isa, usage: o.identity.usage, controlNumber: isa13, at: now },
    { functionalId: map.functionalId, senderCode: ch.gs.senderCode, receiverCode: ch.gs.receiverCode, controlNumber: gs06, version: map.version },
    [{ setId: map.setId, controlNumber: st02, body }],
  );
  const text = writeSegments(segments);
  issues.push(...text.issues);
  if (hasErrors(text.issues)) return { value: undefined, issues };
  // Strict in what we emit: read our own 837P back through the guide.
  const back = parse837(text.value!);
  issues.push(...back.issues);
  if (hasErrors(issues)) return { value: undefined, issues };
  return {
    value: {
      x12: text.value!, interchange: String(isa13).padStart(9, '0'), groupControl: String(gs06), transactionControl: st02,
      claims: entries.map((e) => ({ claimId: e.claim.id, total: e.claim.total, ...(submissionDetail(e) ? { detail: submissionDetail(e)! } : {}) })), rejected,
    },
    issues,
  };
}

/** `replacement of payer claim 2026153000123 (CLM05-3 7)` for a replacement or void; nothing for an original claim. */
function submissionDetail(e: SubscriberEntry): string | undefined {
  const kind = Object.entries(x12Codes().claimFrequency).find(([, code]) => code === e.claim.frequency)?.[0];
  return kind && kind !== 'original' ? `${kind} of payer claim ${e.claim.payerClaimNumber ?? '?'} (CLM05-3 ${e.claim.frequency})` : undefined;
}

/** Build with control numbers from the store and record every claim batched as sent. */
export async function batch837FromStore(store: Store, bundles: Bundle[], o: Omit<Batch837Options, 'allocate'>): Promise<Result<Batch837>> {
  const r = await build837p(bundles, { ...o, allocate: (counter) => store.x12.allocateControlNumber(counter) });
  const b = r.value;
  if (b?.x12) {
    await store.x12.recordClaimsSent(b.claims.map((c) => ({
      claimId: c.claimId, total: c.total, detail: c.detail, interchange: b.interchange, groupControl: b.groupControl, transactionControl: b.transactionControl, destination: o.destination,
    })), o.now ?? new Date());
  }
  return r;
}
