/**
 * HL7v2 over HTTP: POST /hl7v2 (and the `source.http.path` of any channel) with an ER7 body.
 * Same pipeline as MLLP: stored before any answer, resends answered from the store. The answer is
 * the ACK (application/hl7-v2, status 200: in HL7 over HTTP the ACK carries the application
 * result); a client that asks for `Accept: application/fhir+json` gets an OperationOutcome with the
 * catalogue status instead. A store failure is 503 with no ACK.
 */
import { Router, type Request, type Response } from 'express';
import type { ChannelConfig } from '../config.js';
import { toOperationOutcome } from '../domain/issues.js';
import { httpStatusOf } from '../domain/issues.js';
import type { Pipeline } from '../runtime/pipeline.js';
import { bodyBytes, HL7_TYPES } from './body.js';
import { encodeHl7, MIME_NAME } from '../hl7/charset.js';
import { sendError, sendFhir, sendOutcome } from './outcome.js';

export function hl7Handler(pipeline: Pipeline, channel: () => ChannelConfig) {
  return async (req: Request, res: Response): Promise<void> => {
    // The body as bytes: decoded by MSH-18 (or the channel's default encoding) and stored as sent.
    const bytes = bodyBytes(req, res, HL7_TYPES);
    if (bytes === undefined) return;
    const ch = channel();
    const rec = await pipeline.receive({ channel: ch, source: 'http', peer: req.ip, contentType: 'hl7v2', raw: bytes });
    if (!rec.ok) return sendOutcome(res, rec.issues);
    let a;
    try {
      a = await rec.answer;
    } catch {
      return sendError(res, 'STORE_FAILED', 'The message was stored but could not be processed now; it will be processed again.');
    }
    res.set('X-Frontdesk-Message-Id', String(a.id));
    const wantsFhir = (req.get('accept') ?? '').includes('fhir+json');
    if (wantsFhir || !a.ack) {
      const status = httpStatusOf(a.issues);
      return sendFhir(res, a.state === 'processed' ? 200 : status === 200 ? 500 : status, toOperationOutcome(a.issues));
    }
    // The ACK goes back in the sender's character set, and says so.
    const charset = rec.charset ?? ch.encoding ?? 'UNICODE UTF-8';
    res.status(200).set('Content-Type', `application/hl7-v2; charset=${MIME_NAME[charset]}`).send(encodeHl7(a.ack, charset));
  };
}

export function hl7Router(pipeline: Pipeline): Router {
  const router = Router();
  const byPath = (path: string) => () => pipeline.config.channels.find((c) => c.source.http?.path === path) ?? pipeline.channel('http-hl7v2');
  router.post('/hl7v2', hl7Handler(pipeline, byPath('/hl7v2')));
  for (const ch of pipeline.config.channels) {
    const p = ch.source.http?.path;
    if (p && p !== '/hl7v2' && p !== '/fhir' && p !== '/office') router.post(p, hl7Handler(pipeline, () => ch));
  }
  return router;
}
