/**
 * The practice's billing identity (configuration section `billing`): who bills (837P loop 2010AA),
 * where payment goes when that differs (2010AB), and, per clearinghouse destination, who submits
 * (1000A), who receives (1000B) and the interchange/group sender and receiver ids (ISA-05..08,
 * GS-02/03). Checked completely at start; every problem names its key (`billing.provider.npi`).
 *
 * A DFT^P03 or office billing record without a billing provider (FT1-32 empty, as most practice
 * systems send it) takes the configured one (see `withBillingProvider`).
 *
 *   "billing": {
 *     "provider": { "name": "Maple Street Family Practice", "npi": "1040000014", "taxId": "123456789",
 *                   "taxIdType": "EI", "taxonomy": "207Q00000X", "phone": "2175550100",
 *                   "address": { "line": ["100 Maple St"], "city": "Springfield", "state": "IL", "postalCode": "627011234" } },
 *     "payTo": { "address": { ... } },
 *     "usage": "T",
 *     "clearinghouses": {
 *       "clearinghouse": { "submitter": { "id": "FD12345", "name": "Maple Street", "contactName": "Billing Office", "phone": "2175550100" },
 *                          "receiver": { "id": "CH0001", "name": "Sample Clearinghouse" },
 *                          "isa": { "senderQualifier": "ZZ", "senderId": "FD12345", "receiverQualifier": "ZZ", "receiverId": "CH0001" },
 *                          "gs": { "senderCode": "FD12345", "receiverCode": "CH0001" } } }
 *   }
 */
import { issue, type Issue, type Result } from '../domain/issues.js';
import { npiProblem } from './npi.js';

export interface PostalAddress {
  /** Street lines (N3-01, N3-02); at most two. */
  line: string[];
  city: string;
  /** Two-letter state or province code (N4-02). */
  state: string;
  /** ZIP: the 837P wants nine digits for the billing provider (N4-03). */
  postalCode: string;
}

export interface BillingProviderIdentity {
  name: string;
  npi: string;
  /** Federal tax id, nine digits (REF*EI) or the provider's SSN (REF*SY). */
  taxId: string;
  taxIdType: 'EI' | 'SY';
  /** Health care provider taxonomy code (PRV-03), ten characters ending in X. */
  taxonomy?: string | undefined;
  address: PostalAddress;
  phone?: string | undefined;
}

export interface ClearinghouseIdentity {
  /** 1000A submitter (NM1*41): the practice's id at the clearinghouse. */
  submitter: { id: string; name: string; contactName: string; phone?: string | undefined; email?: string | undefined };
  /** 1000B receiver (NM1*40). */
  receiver: { id: string; name: string };
  /** ISA-05/06 and ISA-07/08: interchange id qualifiers (code list I05) and ids (at most 15). */
  isa: { senderQualifier: string; senderId: string; receiverQualifier: string; receiverId: string };
  /** GS-02/03 application sender/receiver codes. */
  gs: { senderCode: string; receiverCode: string };
}

export interface BillingIdentity {
  provider: BillingProviderIdentity;
  /** 2010AB: only when payment goes elsewhere than the billing provider's address. */
  payTo?: { address: PostalAddress } | undefined;
  /** ISA-15: T test, P production. */
  usage: 'T' | 'P';
  /** Keyed by clearinghouse destination name. */
  clearinghouses: Record<string, ClearinghouseIdentity>;
}

/** X12 code list I05 (interchange id qualifier) values a clearinghouse uses. */
const ISA_QUALIFIERS = ['01', '14', '20', '27', '28', '29', '30', '33', 'ZZ'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Check {
  readonly issues: Issue[] = [];
  bad(key: string, msg: string): void {
    this.issues.push(issue('CONFIG_INVALID', `${key}: ${msg}`, key));
  }
  obj(v: unknown, key: string, allowed: string[]): Obj | undefined {
    if (!isObj(v)) {
      this.bad(key, v === undefined ? 'is required (an object).' : 'must be an object.');
      return undefined;
    }
    for (const k of Object.keys(v)) if (!allowed.includes(k)) this.bad(`${key}.${k}`, `unknown key; expected one of ${allowed.join(', ')}.`);
    return v;
  }
  /** A string made of X12 basic/extended characters only (no delimiters can sneak in). */
  str(v: unknown, key: string, pattern?: RegExp, what?: string, required = true): string | undefined {
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      this.bad(key, v === undefined ? 'is required (a string).' : 'must be a non-empty string.');
      return undefined;
    }
    if (/[~*:^|\r\n]/.test(v)) {
      this.bad(key, 'must not contain ~ * : ^ | or line breaks (X12 delimiters).');
      return undefined;
    }
    if (pattern && !pattern.test(v)) {
      this.bad(key, `"${v}" is not ${what}.`);
      return undefined;
    }
    return v;
  }
}

function address(c: Check, v: unknown, key: string, nineDigitZip: boolean): PostalAddress | undefined {
  const o = c.obj(v, key, ['line', 'city', 'state', 'postalCode']);
  if (!o) return undefined;
  const lines = Array.isArray(o.line) ? o.line : undefined;
  if (!lines || lines.length < 1 || lines.length > 2) c.bad(`${key}.line`, 'must be an array of one or two street lines.');
  const line = (lines ?? []).map((l, i) => c.str(l, `${key}.line[${i}]`) ?? '');
  const city = c.str(o.city, `${key}.city`);
  const state = c.str(o.state, `${key}.state`, /^[A-Z]{2}$/, 'a two-letter state code');
  const zip = nineDigitZip
    ? c.str(o.postalCode, `${key}.postalCode`, /^\d{9}$/, 'a nine-digit ZIP (the 837P billing provider address requires ZIP+4, no dash)')
    : c.str(o.postalCode, `${key}.postalCode`, /^\d{5}(\d{4})?$/, 'a five- or nine-digit ZIP');
  return { line, city: city ?? '', state: state ?? '', postalCode: zip ?? '' };
}

/** Check the `billing` section; `clearinghouseNames` are the destinations of type clearinghouse. */
export function checkBillingIdentity(v: unknown, clearinghouseNames: ReadonlySet<string>): Result<BillingIdentity> {
  const c = new Check();
  const root = c.obj(v, 'billing', ['provider', 'payTo', 'usage', 'clearinghouses']);
  if (!root) return { value: undefined, issues: c.issues };
  const p = c.obj(root.provider, 'billing.provider', ['name', 'npi', 'taxId', 'taxIdType', 'taxonomy', 'address', 'phone']);
  let provider: BillingProviderIdentity | undefined;
  if (p) {
    const npi = c.str(p.npi, 'billing.provider.npi');
    if (npi) {
      const problem = npiProblem(npi);
      if (problem === 'format') c.bad('billing.provider.npi', `"${npi}" is not 10 digits.`);
      if (problem === 'check-digit') c.bad('billing.provider.npi', `"${npi}" fails its check digit (Luhn over prefix 80840).`);
    }
    const taxIdType = p.taxIdType ?? 'EI';
    if (taxIdType !== 'EI' && taxIdType !== 'SY') c.bad('billing.provider.taxIdType', 'must be "EI" (employer id) or "SY" (social security number).');
    provider = {
      name: c.str(p.name, 'billing.provider.name', /^.{1,60}$/, 'at most 60 characters (NM1-03)') ?? '',
      npi: npi ?? '',
      taxId: c.str(p.taxId, 'billing.provider.taxId', /^\d{9}$/, 'nine digits (no dash)') ?? '',
      taxIdType: taxIdType === 'SY' ? 'SY' : 'EI',
      taxonomy: c.str(p.taxonomy, 'billing.provider.taxonomy', /^[0-9A-Z]{9}X$/, 'a provider taxonomy code (ten characters ending in X)', false),
      address: address(c, p.address, 'billing.provider.address', true) ?? { line: [], city: '', state: '', postalCode: '' },
      phone: c.str(p.phone, 'billing.provider.phone', /^\d{10}$/, 'ten digits', false),
    };
  }
  let payTo: BillingIdentity['payTo'];
  if (root.payTo !== undefined) {
    const pt = c.obj(root.payTo, 'billing.payTo', ['address']);
    const a = pt ? address(c, pt.address, 'billing.payTo.address', false) : undefined;
    if (a) payTo = { address: a };
  }
  const usage = root.usage ?? 'T';
  if (usage !== 'T' && usage !== 'P') c.bad('billing.usage', 'must be "T" (test) or "P" (production); ISA-15.');
  const clearinghouses: Record<string, ClearinghouseIdentity> = {};
  const chs = c.obj(root.clearinghouses ?? {}, 'billing.clearinghouses', Object.keys(isObj(root.clearinghouses) ? root.clearinghouses : {}));
  for (const [name, raw] of Object.entries(chs ?? {})) {
    const at = `billing.clearinghouses.${name}`;
    if (!clearinghouseNames.has(name)) c.bad(at, `"${name}" is not a destination of type clearinghouse.`);
    const o = c.obj(raw, at, ['submitter', 'receiver', 'isa', 'gs']);
    if (!o) continue;
    const s = c.obj(o.submitter, `${at}.submitter`, ['id', 'name', 'contactName', 'phone', 'email']);
    const r = c.obj(o.receiver, `${at}.receiver`, ['id', 'name']);
    const isa = c.obj(o.isa, `${at}.isa`, ['senderQualifier', 'senderId', 'receiverQualifier', 'receiverId']);
    const gs = c.obj(o.gs, `${at}.gs`, ['senderCode', 'receiverCode']);
    const qual = (v: unknown, k: string) => {
      const q = c.str(v, k);
      if (q && !ISA_QUALIFIERS.includes(q)) c.bad(k, `"${q}" is not an interchange id qualifier (code list I05: ${ISA_QUALIFIERS.join(', ')}).`);
      return q ?? '';
    };
    const isaId = /^[ -~]{1,15}$/;
    const gsCode = /^[ -~]{2,15}$/;
    if (s?.phone === undefined && s?.email === undefined && s) c.bad(`${at}.submitter`, 'give a phone or an email (1000A PER contact).');
    clearinghouses[name] = {
      submitter: {
        id: c.str(s?.id, `${at}.submitter.id`, /^[ -~]{2,80}$/, '2 to 80 characters') ?? '',
        name: c.str(s?.name, `${at}.submitter.name`) ?? '',
        contactName: c.str(s?.contactName, `${at}.submitter.contactName`) ?? '',
        phone: c.str(s?.phone, `${at}.submitter.phone`, /^\d{10}$/, 'ten digits', false),
        email: c.str(s?.email, `${at}.submitter.email`, /^[^@\s]+@[^@\s]+$/, 'an email address', false),
      },
      receiver: { id: c.str(r?.id, `${at}.receiver.id`, /^[ -~]{2,80}$/, '2 to 80 characters') ?? '', name: c.str(r?.name, `${at}.receiver.name`) ?? '' },
      isa: {
        senderQualifier: qual(isa?.senderQualifier, `${at}.isa.senderQualifier`),
        senderId: c.str(isa?.senderId, `${at}.isa.senderId`, isaId, 'at most 15 characters (ISA-06)') ?? '',
        receiverQualifier: qual(isa?.receiverQualifier, `${at}.isa.receiverQualifier`),
        receiverId: c.str(isa?.receiverId, `${at}.isa.receiverId`, isaId, 'at most 15 characters (ISA-08)') ?? '',
      },
      gs: {
        senderCode: c.str(gs?.senderCode, `${at}.gs.senderCode`, gsCode, '2 to 15 characters (GS-02)') ?? '',
        receiverCode: c.str(gs?.receiverCode, `${at}.gs.receiverCode`, gsCode, '2 to 15 characters (GS-03)') ?? '',
      },
    };
  }
  if (c.issues.length || !provider) return { value: undefined, issues: c.issues };
  return { value: { provider, ...(payTo ? { payTo } : {}), usage: usage === 'P' ? 'P' : 'T', clearinghouses }, issues: [] };
}

/** The billing provider a flow falls back to: what a claim needs of the configured identity. */
export interface DefaultBillingProvider {
  npi: string;
  name: string;
}

export const defaultBillingProvider = (b: BillingIdentity | undefined): DefaultBillingProvider | undefined =>
  b ? { npi: b.provider.npi, name: b.provider.name } : undefined;

/**
 * A billing encounter without a billing provider NPI takes the practice's configured one; the
 * change is said (MAP_INFO at `where`), never silent. One that has an NPI keeps it.
 */
export function withBillingProvider<T extends object>(e: T, fallback: DefaultBillingProvider | undefined, where: string): Result<T> {
  // Also called on a record not yet checked against its schema (the NPI may be missing or no string).
  const npi = 'billingProviderNpi' in e ? e.billingProviderNpi : undefined;
  if ((typeof npi === 'string' && npi.trim()) || !fallback) return { value: e, issues: [] };
  const name = 'billingProviderName' in e ? e.billingProviderName : undefined;
  const out: T = { ...e, billingProviderNpi: fallback.npi, billingProviderName: name ?? fallback.name };
  return {
    value: out,
    issues: [issue('MAP_INFO', `No billing provider in the input: the practice's configured billing provider (NPI ${fallback.npi}) is used (configuration billing.provider).`, where)],
  };
}
