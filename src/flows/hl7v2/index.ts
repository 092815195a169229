export { channelAccepts, flowForChannel, processHl7, type Hl7Processing } from './process.js';
