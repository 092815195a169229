/** The billing vertical's entries for src/flows/registry.ts. */
export { billingConverter } from './converter.js';
export { dftFlow, dftToClaim } from './flow.js';
export { readDft } from './read.js';
