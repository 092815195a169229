/**
 * One request answered by the app itself, in process, without a socket: what a batch Bundle's
 * entry becomes (./fhir-batch.ts), so each entry passes through exactly the middleware a request
 * sent alone passes through (authentication, scopes per interaction, the audit trail, body limits,
 * content negotiation) and its route. The request carries the outer request's client address and
 * TLS state, so the audit trail and `req.protocol` say what they would have said.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

export interface InjectRequest {
  method: string;
  /** Path and query, e.g. `/fhir/Patient?identifier=x`. */
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  remoteAddress?: string | undefined;
  encrypted?: boolean | undefined;
}

export interface InjectResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type App = (req: IncomingMessage, res: ServerResponse) => void;

export function inject(app: App, r: InjectRequest): Promise<InjectResponse> {
  return new Promise((resolve) => {
    const socket = new Socket();
    Object.defineProperty(socket, 'remoteAddress', { value: r.remoteAddress ?? '127.0.0.1' });
    if (r.encrypted) Object.defineProperty(socket, 'encrypted', { value: true });
    const req = new IncomingMessage(socket);
    req.method = r.method.toUpperCase();
    req.url = r.url;
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.httpVersion = '1.1';
    const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
    if (body) headers['content-length'] = String(body.length);
    req.headers = headers;
    req.rawHeaders = Object.entries(headers).flat();
    if (body) req.push(body);
    req.push(null);
    req.complete = true;

    const res = new ServerResponse(req);
    const chunks: Buffer[] = [];
    const take = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    let done = false;
    res.write = ((chunk: unknown, encoding?: unknown) => { take(chunk, encoding); return true; }) as typeof res.write;
    res.end = ((chunk?: unknown, encoding?: unknown) => {
      if (done) return res;
      done = true;
      take(chunk, encoding);
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.getHeaders())) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
      resolve({ status: res.statusCode, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      // Listeners on 'finish' (the audit trail, the request log) run as for a request on a socket.
      res.emit('finish');
      socket.destroy();
      return res;
    }) as typeof res.end;
    app(req, res);
  });
}
