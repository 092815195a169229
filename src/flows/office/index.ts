export { processOfficeRecord } from './process.js';
