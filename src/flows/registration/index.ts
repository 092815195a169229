/** Registration vertical (issue 3): ADT <-> FHIR Patient/Coverage <-> office registration record. */
export { registrationConverter } from './converter.js';
export { adtRegistrationFlow } from './flow.js';
export { runAdt, REGISTRATION_EVENTS, MERGE_EVENTS } from './flow.js';
export { buildAdt, OUTBOUND_EVENTS } from './write.js';
export { readAdt } from './read.js';
export { readMerge } from './merge.js';
