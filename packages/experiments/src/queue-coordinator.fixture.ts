// A queue coordinator process (to be SIGKILLed): `... queue-coordinator.fixture.ts LEDGER QUEUE_NAME`
// with the URL in GSA_TEST_QUEUE_URL.
import { runQueueCoordinator } from './queue.js';

const [ledgerPath, queueName] = process.argv.slice(2);
const queueUrl = process.env.GSA_TEST_QUEUE_URL;
if (!ledgerPath || !queueName || !queueUrl)
  throw new Error(
    'usage: GSA_TEST_QUEUE_URL=redis://... queue-coordinator.fixture.ts LEDGER QUEUE_NAME',
  );
await runQueueCoordinator({ ledgerPath, queueUrl, queueName, reconcileMs: 300 });
