/** The 277CA/999 code lists (mappings/x12/claim-status.json), loaded once. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAPPINGS_DIR } from '../../paths.js';
import type { X12ClaimState } from '../../store/x12.js';

export interface StatusCodes {
  categories: Record<string, { state: X12ClaimState; display: string }>;
  statusCodes: Record<string, { display: string; field?: Record<string, string> }>;
  entities: Record<string, string>;
  segmentErrors: Record<string, string>;
  elementErrors: Record<string, string>;
  acknowledgments: Record<string, string>;
  /** IK5-01/AK9-01 codes that accept the transaction set. */
  accepted: string[];
}

let cache: StatusCodes | undefined;
export const statusCodes = (): StatusCodes => (cache ??= JSON.parse(readFileSync(resolve(MAPPINGS_DIR, 'x12', 'claim-status.json'), 'utf8')) as StatusCodes);

export const CLAIM_STATUS_SYSTEM = 'https://x12.org/codes/claim-status-codes';
export const CLAIM_STATUS_CATEGORY_SYSTEM = 'https://x12.org/codes/claim-status-category-codes';
export const X12_ACK_SYSTEM = 'https://frontdesk.example.org/CodeSystem/x12-999-error';
export { PAYER_CLAIM_NUMBER_SYSTEM } from '../../adapters/claim.js';
