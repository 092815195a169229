/**
 * The one way Frontdesk talks HTTP to a partner. axios hygiene in one place:
 * - a timeout on every call, and size limits on what we send and what we accept;
 * - redirects are never followed by axios (maxRedirects 0): we follow them here, and drop the
 *   credentials (Authorization, API key) whenever the next hop is another origin, and refuse a
 *   downgrade from https to http;
 * - never throws: network failures come back as a Failed outcome classified by error code.
 */
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { classifyNetworkError } from '../delivery/retry.js';
import { failed, type Failed } from '../delivery/outcome.js';

export interface HttpLimits {
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  /** Header names (any case) that must not leave the original origin. */
  credentialHeaders?: readonly string[];
  body?: string;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The URL that answered (after redirects). */
  url: string;
}

export type HttpResult = { answer: HttpAnswer; failure?: undefined } | { answer?: undefined; failure: Failed };

/** Requests we send are bounded too: a claim batch or transaction Bundle above this is a bug. */
const MAX_REQUEST_BYTES = 50 * 1024 * 1024;

export function createHttp(limits: HttpLimits): AxiosInstance {
  return axios.create({
    timeout: limits.timeoutMs,
    maxContentLength: limits.maxResponseBytes,
    maxBodyLength: MAX_REQUEST_BYTES,
    maxRedirects: 0,
    validateStatus: () => true,
    responseType: 'text',
    // Keep the body as received: we decide how to read it (and keep it for the operator).
    transformResponse: [(d: unknown) => d],
    transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function flatHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
      if (v === undefined || v === null) continue;
      out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
  }
  return out;
}

/** Send one request, following at most `maxRedirects` redirects by hand. */
export async function send(http: AxiosInstance, req: HttpRequest, maxRedirects: number): Promise<HttpResult> {
  const origin = new URL(req.url);
  const credentials = new Set((req.credentialHeaders ?? ['authorization']).map((h) => h.toLowerCase()));
  let url = req.url;
  let method = req.method;
  let body = req.body;
  let headers = { ...req.headers };
  for (let hop = 0; ; hop++) {
    let res;
    try {
      res = await http.request({ method, url, headers, data: body });
    } catch (e) {
      const code = e instanceof AxiosError ? e.code : (e as NodeJS.ErrnoException).code;
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      // axios says ERR_BAD_RESPONSE both when the answer outgrew maxContentLength and when the
      // connection dropped mid-answer ("stream has been aborted"). Only the latter carries the
      // response (its headers had arrived): a network failure, transient, not TOO_LARGE.
      if (e instanceof AxiosError && code === 'ERR_BAD_RESPONSE' && e.response !== undefined) {
        return { failure: failed('DELIVERY_TRANSIENT', `${method} ${new URL(url).host}: connection dropped mid-answer (HTTP ${e.response.status})`) };
      }
      const errorCode = classifyNetworkError(code) !== 'INTERNAL' ? classifyNetworkError(code) : classifyNetworkError(cause);
      return { failure: failed(errorCode, `${method} ${new URL(url).host}: ${code ?? cause ?? 'network error'}`) };
    }
    const answer: HttpAnswer = { status: res.status, headers: flatHeaders(res.headers), body: typeof res.data === 'string' ? res.data : String(res.data ?? ''), url };
    if (!REDIRECTS.has(res.status) || !answer.headers.location) return { answer };
    if (hop >= maxRedirects) {
      return { failure: failed('DELIVERY_REJECTED', `HTTP ${res.status} redirect not followed (more than ${maxRedirects})`, { partnerStatus: String(res.status) }) };
    }
    let next: URL;
    try {
      next = new URL(answer.headers.location, url);
    } catch {
      // A Location we cannot read is the partner's answer, not a reason to throw (clients never throw).
      return { failure: failed('DELIVERY_REJECTED', `HTTP ${res.status} redirect to an unreadable Location`, { partnerStatus: String(res.status) }) };
    }
    if (next.protocol !== 'https:' && new URL(url).protocol === 'https:') {
      return { failure: failed('DELIVERY_REJECTED', `HTTP ${res.status} redirect from https to ${next.protocol} refused`, { partnerStatus: String(res.status) }) };
    }
    if (next.origin !== origin.origin) {
      // Credentials were issued for the origin we were configured with, not for wherever it points.
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !credentials.has(k.toLowerCase())));
    }
    // 303 always, and 301/302 for POST in practice, become a GET without the body; 307/308 keep both.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method !== 'GET')) {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
    }
    url = next.toString();
  }
}

/** The JSON body, when the answer is JSON (FHIR or not). */
export function jsonBody(a: HttpAnswer): unknown {
  try {
    return a.body ? JSON.parse(a.body) : undefined;
  } catch {
    return undefined;
  }
}

export function isOperationOutcome(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { resourceType?: unknown }).resourceType === 'OperationOutcome';
}
