import { startPgCluster } from '../test/support/pg-cluster.js';
const c = await startPgCluster();
process.stdout.write(`${c.url}\n`);
process.on('SIGTERM', () => { c.destroy(); process.exit(0); });
setInterval(() => undefined, 1 << 30);
