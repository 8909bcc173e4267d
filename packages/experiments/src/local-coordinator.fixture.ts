// A local coordinator process (to be SIGKILLed): `... local-coordinator.fixture.ts LEDGER WORKERS`.
import { runLocalGrid } from './local.js';
import { fixture, tsNode } from './cells.fixture.js';

const [ledgerPath, workers] = process.argv.slice(2);
if (!ledgerPath) throw new Error('usage: local-coordinator.fixture.ts LEDGER WORKERS');
await runLocalGrid({
  ledgerPath,
  workers: Number(workers ?? 2),
  command: [...tsNode, fixture('local-worker.fixture.ts'), ledgerPath],
  pollMs: 50,
});
