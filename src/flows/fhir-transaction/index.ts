export { processFhirTransaction, type ApiProcessing, type FhirTransactionReads } from './process.js';
export { routeToConverters } from './route.js';
