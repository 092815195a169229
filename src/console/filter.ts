/**
 * The message browser's filter, read from the URL's query (so a filtered view can be shared as a
 * link): channel, state, message type, MSH-10, patient MRN or name, a date range in the practice's
 * timezone, an error code; sort and page. Bad input becomes a message naming the field, for the page.
 */
import { ERROR_CODES } from '../domain/errors.js';
import { addDays } from '../jobs/time.js';
import { MESSAGE_SORTS, MESSAGE_STATES, type MessageFilter, type MessageSort, type MessageState } from '../store/index.js';
import { startOfLocalDay } from './dashboard.js';

export const PAGE_SIZE = 50;

/** The filter as it appears in the URL and the form (strings as typed). */
export interface FilterFields {
  channel: string;
  state: string;
  type: string;
  controlId: string;
  mrn: string;
  name: string;
  since: string;
  until: string;
  errorCode: string;
  sort: string;
  dir: string;
}

export const FILTER_KEYS: ReadonlyArray<keyof FilterFields> = ['channel', 'state', 'type', 'controlId', 'mrn', 'name', 'since', 'until', 'errorCode', 'sort', 'dir'];

export interface ReadFilter {
  fields: FilterFields;
  filter: MessageFilter;
  page: number;
  errors: string[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(d: string): boolean {
  if (!DAY.test(d)) return false;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

/** Midnight starting a local date (YYYY-MM-DD) in a timezone, as an ISO instant. */
export function localMidnight(date: string, timeZone: string): string {
  return startOfLocalDay(new Date(`${date}T12:00:00Z`), timeZone).toISOString();
}

export function readFilter(query: Record<string, unknown>, timeZone: string, channels: readonly string[]): ReadFilter {
  const str = (k: string) => (typeof query[k] === 'string' ? (query[k] as string).trim() : '');
  const fields = Object.fromEntries(FILTER_KEYS.map((k) => [k, str(k)])) as unknown as FilterFields;
  const errors: string[] = [];
  const filter: MessageFilter = {};
  if (fields.channel) {
    if (!channels.includes(fields.channel)) errors.push(`Channel: no channel "${fields.channel}" in this gateway.`);
    else filter.channel = fields.channel;
  }
  if (fields.state) {
    if (!MESSAGE_STATES.includes(fields.state as MessageState)) errors.push(`State: one of ${MESSAGE_STATES.join(', ')}.`);
    else filter.state = fields.state as MessageState;
  }
  if (fields.type) {
    if (!/^[A-Za-z0-9]{3}(\^[A-Za-z0-9]{3})?$/.test(fields.type) && !/^[A-Za-z-]+$/.test(fields.type)) errors.push(`Message type: "${fields.type}" is not a message type (ADT, ADT^A04) or a record type.`);
    else filter.messageType = fields.type.includes('^') ? fields.type.toUpperCase() : fields.type;
  }
  if (fields.controlId) filter.controlId = fields.controlId;
  if (fields.mrn) filter.patientMrn = fields.mrn;
  if (fields.name) {
    // "Smith, John", "smith^jo", "SMITH" -> FAMILY^GIVEN prefix
    const [family = '', given = ''] = fields.name.split(/\s*[,^]\s*/);
    if (!family) errors.push('Patient name: start with the family name (Smith, or Smith, John).');
    else filter.patientName = given ? `${family}^${given}` : family;
  }
  for (const k of ['since', 'until'] as const) {
    const v = fields[k];
    if (!v) continue;
    if (!isRealDate(v)) errors.push(`${k === 'since' ? 'Received from' : 'Received to'}: "${v}" is not a date (YYYY-MM-DD).`);
    // "to" is inclusive: messages of that whole local day.
    else filter[k] = localMidnight(k === 'until' ? addDays(v, 1) : v, timeZone);
  }
  if (filter.since && filter.until && filter.since >= filter.until) errors.push('Received to: the range ends before it starts.');
  if (fields.errorCode) {
    if (!(fields.errorCode in ERROR_CODES)) errors.push(`Error code: "${fields.errorCode}" is not in the error catalogue.`);
    else filter.errorCode = fields.errorCode;
  }
  if (fields.sort) {
    if (!MESSAGE_SORTS.includes(fields.sort as MessageSort)) errors.push(`Sort: one of ${MESSAGE_SORTS.join(', ')}.`);
    else filter.sort = fields.sort as MessageSort;
  }
  if (fields.dir && fields.dir !== 'asc' && fields.dir !== 'desc') errors.push('Direction: asc or desc.');
  filter.descending = fields.dir !== 'asc';
  const pageRaw = str('page');
  let page = 1;
  if (pageRaw) {
    const n = Number(pageRaw);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) errors.push(`Page: "${pageRaw}" is not a page number.`);
    else page = n;
  }
  filter.limit = PAGE_SIZE;
  filter.offset = (page - 1) * PAGE_SIZE;
  return { fields, filter, page, errors };
}

/** Whether any selecting filter is set (a bulk replay needs one). */
export function selects(f: MessageFilter): boolean {
  return !!(f.channel || f.state || f.messageType || f.controlId || f.patientMrn || f.patientName || f.since || f.until || f.errorCode);
}

/** The URL query of these fields (empty ones left out), with overrides. */
export function filterQuery(fields: FilterFields, over: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (fields[k]) q.set(k, fields[k]);
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
