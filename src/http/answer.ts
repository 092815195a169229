/**
 * The HTTP answers of the intake endpoints (POST /fhir, POST /office/{kind}), rendered from a
 * processing outcome: the runtime stores what this renders (an Idempotency-Key retry gets the
 * stored answer) but decides no status itself.
 *   processed   POST /fhir: 200 with the transaction-response Bundle;
 *               POST /office/{kind}: 201 with the FHIR resources as stored
 *   otherwise   an OperationOutcome with the status the error catalogue gives the worst issue
 *               (src/domain/errors.ts), 500 when no issue explains the failure
 */
import type { Bundle } from 'fhir/r4.js';
import type { Response } from 'express';
import { httpStatusOf, toOperationOutcome, type Issue } from '../domain/issues.js';
import type { FlowOutput } from '../flows/types.js';
import type { EntryOutcome } from '../runtime/persist.js';
import type { MessageState } from '../store/index.js';
import type { Answer } from '../runtime/pipeline.js';
import { sendFhir, sendOutcome } from './outcome.js';

/** What the answer is rendered from: the outcome of one processing run and what persisting stored. */
export interface HttpRun {
  state: MessageState;
  issues: readonly Issue[];
  output?: FlowOutput | undefined;
  entries: readonly EntryOutcome[];
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

export function httpAnswer(endpoint: 'fhir' | 'office', run: HttpRun): HttpAnswer {
  if (run.state === 'processed' && run.output) {
    return endpoint === 'fhir'
      ? { status: 200, body: transactionResponse(run.entries) }
      : { status: 201, body: storedCollection(run.output, run.entries) };
  }
  const status = httpStatusOf(run.issues);
  return { status: status >= 400 ? status : 500, body: toOperationOutcome([...run.issues]) };
}

/** Send a processing answer as rendered and stored (an OperationOutcome from its issues should there be none). */
export function sendAnswer(res: Response, a: Answer): void {
  res.set('X-Frontdesk-Message-Id', String(a.id));
  if (a.httpStatus !== undefined && a.body !== undefined) sendFhir(res, a.httpStatus, a.body);
  else sendOutcome(res, a.issues, 500);
}

/** The transaction-response Bundle (FHIR R4 3.1.0.11.2): one entry per request entry, in order. */
export function transactionResponse(entries: ReadonlyArray<Pick<EntryOutcome, 'resourceType' | 'id' | 'versionId' | 'status' | 'lastUpdated'>>): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: entries.map((e) => ({
      response: {
        status: e.status,
        location: `${e.resourceType}/${e.id}/_history/${e.versionId}`,
        etag: `W/"${e.versionId}"`,
        lastModified: e.lastUpdated,
      },
    })),
  };
}

/** What an office post answers: the FHIR resources it produced, as stored. */
function storedCollection(output: FlowOutput, entries: readonly EntryOutcome[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: (output.bundle.entry ?? []).map((e, i) => {
      const stored = entries[i];
      return {
        fullUrl: stored ? `${stored.resourceType}/${stored.id}` : e.fullUrl,
        resource: stored && e.resource ? { ...e.resource, id: stored.id, meta: { ...(e.resource.meta ?? {}), versionId: String(stored.versionId), lastUpdated: stored.lastUpdated } } : e.resource,
      };
    }),
  };
}
