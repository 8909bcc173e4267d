// A local worker process: `node --import tsx local-worker.fixture.ts LEDGER`.
import { runLedgerWorker } from './local.js';
import { tinyCell } from './cells.fixture.js';

const ledgerPath = process.argv[2];
if (!ledgerPath) throw new Error('usage: local-worker.fixture.ts LEDGER');
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
await runLedgerWorker({
  ledgerPath,
  runCell: tinyCell,
  heartbeatMs: 100,
  pollMs: 50,
  backoffMs: 20,
  signal: stop.signal,
});
