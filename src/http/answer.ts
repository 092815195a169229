/**
 * The HTTP answers of the intake endpoints, rendered from what processing stored.
 */
import type { Bundle } from 'fhir/r4.js';

/** The transaction-response Bundle (FHIR R4 3.1.0.11.2): one entry per request entry, in order. */
export function transactionResponse(entries: Array<{ resourceType: string; id: string; versionId: number; status: string; lastUpdated: string }>): Bundle {
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
