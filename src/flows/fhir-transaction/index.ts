export { processFhirTransaction, type FhirTransactionReads } from './process.js';
export { routeToConverters } from './route.js';
