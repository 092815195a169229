/**
 * The request and response objects the HTTP server creates, made with the app's own prototypes.
 *
 * Express gives each request its methods by `Object.setPrototypeOf(req, app.request)` (and the
 * same for `res`). Changing the prototype of a live object gives it a new hidden class, and with it
 * V8's scavenger kept much of what each request allocated past the young generation: an express
 * app answering 5,000 GETs (a fetch client in another process, --trace-gc-nvp) had 20 % of its
 * young allocation promoted with the per-request prototype change and under 2 % without it. In the
 * gateway a FHIR search promoted about 3 MB per scavenge before, 0.6-1.7 MB after: less to copy in
 * each scavenge (its pause lands in an answer's tail) and less garbage for the mark-compact.
 *
 * node:http builds its objects with the `IncomingMessage` and `ServerResponse` classes given to
 * `createServer`: these construct node's own objects with whatever prototype `adopt` installed, so
 * once the app is known each request is born with `app.request` as its prototype, and express's
 * `setPrototypeOf` to the same prototype changes nothing. Until then (the server listens before
 * the app is loaded) they are plain node:http objects, as before.
 *
 * They construct by calling node's constructor on the new object (`IncomingMessage.call(this,
 * socket)`, as node's own classes call their parents), not by `Reflect.construct` with this
 * function as new.target (as until session 9): through Reflect.construct V8 built each request's
 * and response's fields by the slow path (a map transition per field, per request, in the perf
 * profile), 0.19 ms of CPU a request on a plain node:http server (0.09 -> 0.28 ms, the bench's
 * client in another process), and the objects survived scavenges (the heap after each grew by
 * 1.5 MB against 0.2). Constructed by `call`, an express app's request costs 0.125 ms against 0.17
 * with express's own setPrototypeOf and 0.31 through Reflect.construct, and the heap after each
 * scavenge grows by 0.1 MB against 1.4-1.9 (scavenge pauses ~1 ms against 4-8 at load average 7).
 * Node's constructors are plain functions (not `class`); if one ever is, Reflect.construct is used.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RequestObjects {
  /** For `createServer({ IncomingMessage, ServerResponse }, handler)` (node:http and node:https). */
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
  /** From now on, requests and responses are made with these prototypes (express: `app.request`, `app.response`). */
  adopt(prototypes: { request: object; response: object }): void;
}

export function requestObjects(): RequestObjects {
  // Function constructors (not classes) so their `prototype` can be replaced. `new Request(socket)`
  // makes an object with this function's current prototype and node's constructor fills it in.
  const plain = (f: unknown) => typeof f === 'function' && !/^class\b/.test(Function.prototype.toString.call(f));
  const byCall = plain(IncomingMessage) && plain(ServerResponse);
  const Req = IncomingMessage as unknown as (this: unknown, socket: Socket) => void;
  const Res = ServerResponse as unknown as (this: unknown, req: IncomingMessage, options?: unknown) => void;
  function Request(this: unknown, socket: Socket): IncomingMessage | void {
    if (!byCall) return Reflect.construct(IncomingMessage, [socket], Request) as IncomingMessage;
    Req.call(this, socket);
  }
  Request.prototype = IncomingMessage.prototype;
  function Response(this: unknown, req: IncomingMessage, options?: unknown): ServerResponse | void {
    if (!byCall) return Reflect.construct(ServerResponse, options === undefined ? [req] : [req, options], Response) as ServerResponse;
    if (options === undefined) Res.call(this, req);
    else Res.call(this, req, options);
  }
  Response.prototype = ServerResponse.prototype;
  return {
    IncomingMessage: Request as unknown as typeof IncomingMessage,
    ServerResponse: Response as unknown as typeof ServerResponse,
    adopt(p) {
      // Only prototypes that keep node's objects what they are (express's do: they inherit from these).
      if (!(p.request instanceof IncomingMessage) || !(p.response instanceof ServerResponse)) throw new Error('request/response prototypes must inherit from node:http');
      Request.prototype = p.request;
      Response.prototype = p.response;
    },
  };
}
