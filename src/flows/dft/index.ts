/** The billing vertical's entries for src/flows/registry.ts. */
export { billingConverter } from './billing-converter.js';
export { dftFlow, dftToClaim } from './flow.js';
export { readDft } from './read.js';
