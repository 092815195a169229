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
  // Function constructors (not classes) so their `prototype` can be replaced; Reflect.construct
  // runs node's own constructor with this function as new.target, so the object it builds takes
  // this function's current prototype.
  function Request(this: unknown, socket: Socket): IncomingMessage {
    return Reflect.construct(IncomingMessage, [socket], Request) as IncomingMessage;
  }
  Request.prototype = IncomingMessage.prototype;
  function Response(this: unknown, req: IncomingMessage, options?: unknown): ServerResponse {
    return Reflect.construct(ServerResponse, options === undefined ? [req] : [req, options], Response) as ServerResponse;
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
