// A queue worker process: `... queue-worker.fixture.ts QUEUE_NAME` with the URL in GSA_TEST_QUEUE_URL
// (never on the command line, where `ps` shows it). Prints one line per event.
import { runQueueWorker } from './queue.js';
import { tinyCell } from './cells.fixture.js';

const queueName = process.argv[2];
const queueUrl = process.env.GSA_TEST_QUEUE_URL;
if (!queueName || !queueUrl)
  throw new Error('usage: GSA_TEST_QUEUE_URL=redis://... queue-worker.fixture.ts QUEUE_NAME');
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
await runQueueWorker({
  queueUrl,
  queueName,
  runCell: tinyCell,
  concurrency: Number(process.env.GSA_TEST_CONCURRENCY ?? 1),
  lockDurationMs: 2000,
  stalledIntervalMs: 1000,
  signal: stop.signal,
  onEvent: (event) => console.log(JSON.stringify(event)),
});
