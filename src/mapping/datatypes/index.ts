/** The named datatype transforms mapping files may use in `"type"`. Verticals add theirs here. */
import { CWE } from './coded.js';
import { CX, EI } from './identifiers.js';
import { BILLING_DATATYPES } from './billing.js';
import { ED, RP, SN } from './lab.js';
import { XAD, XCN, XPN, XTN } from './people.js';
import { DT, DTM, ID, NM, ST } from './primitives.js';
import { REGISTRATION_DATATYPES } from './registration.js';
import { SCHEDULING_DATATYPES } from './scheduling.js';
import { ENCOUNTER_DATATYPES } from './encounter.js';
import type { DatatypeTransform } from './types.js';

export const DATATYPES: Record<string, DatatypeTransform> = {
  ST, TX: ST, FT: ST, SI: ST, NM, DT, DTM, TS: DTM, ID, IS: ID,
  CX, EI, XPN, XAD, XTN, XCN,
  CWE, CE: CWE, CNE: CWE,
  SN, ED, RP,
  ...REGISTRATION_DATATYPES,
  ...BILLING_DATATYPES,
  ...SCHEDULING_DATATYPES,
  ...ENCOUNTER_DATATYPES,
};

export type { DatatypeTransform, TransformContext, Rep } from './types.js';
