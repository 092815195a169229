/** Scheduling vertical: office appointments <-> FHIR Appointment <-> HL7v2 SIU (entries for ../registry.ts). */
export { schedulingConverter } from './converter.js';
export { convertSiu, siuFlow } from './flow.js';
export { readSiu } from './read.js';
export { appointmentToSiu } from './write.js';
