/** Labs vertical: ORU^R01 and lab FHIR -> FHIR transaction Bundle + results-inbox records (entries for ../registry.ts). */
export { labsConverter } from './converter.js';
export { ORU_MESSAGE_TYPES, oruFlow } from './flow.js';
export { convertOru } from './convert.js';
