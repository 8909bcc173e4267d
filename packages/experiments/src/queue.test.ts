// The distributed mode against a real Redis: worker processes on a BullMQ
// queue, one SIGKILLed mid-cell, Redis restarted mid-grid, failures.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { cellDirectory } from './artifacts.js';
import { cellKey, type JsonObject } from './cell-key.js';
import { fixture, packageDir, sumOfSquares, tsNode, waitFor } from './cells.fixture.js';
import { ExperimentLedger, type CellRecord, type CellSpec } from './ledger.js';
import { runQueueCoordinator } from './queue.js';
import { connectRedis, redactUrl, redisOptionsFromUrl } from './redis.js';
import {
  describeIf,
  haveOpenssl,
  haveRedisServer,
  RedisServer,
  selfSignedCertificate,
  sharedRedisUrl,
} from './redis.fixture.js';
import { sleep } from './runner.js';

const spec = (config: JsonObject): CellSpec => ({ key: cellKey(config), config });
const grid = (n: number, sleepMs: number) =>
  Array.from({ length: n }, (_, index) => spec({ index, sleepMs }));

let dir: string;
let ledgerPath: string;
let runLog: string;
let queueName: string;
let workers: { child: ChildProcess; output: string[] }[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsa-queue-'));
  ledgerPath = join(dir, 'ledger.sqlite');
  runLog = join(dir, 'runs.log');
  queueName = `gsa-test-${randomBytes(4).toString('hex')}`;
});
afterEach(async () => {
  await stopWorkers();
  rmSync(dir, { recursive: true, force: true });
});

function startWorkers(count: number, url: string): void {
  for (let i = 0; i < count; i++) {
    const child = spawn(
      tsNode[0],
      [...tsNode.slice(1), fixture('queue-worker.fixture.ts'), queueName],
      {
        cwd: packageDir,
        env: { ...process.env, GSA_TEST_QUEUE_URL: url, GSA_TEST_RUN_LOG: runLog },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    workers.push({ child, output });
  }
}

async function stopWorkers(): Promise<void> {
  await Promise.all(
    workers.map(({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      return exited.then(() => clearTimeout(force));
    }),
  );
  workers = [];
}

async function obliterate(url: string): Promise<void> {
  const connection = connectRedis(url);
  const queue = new Queue(queueName, { connection });
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
}

function addGrid(cells: readonly CellSpec[]): ExperimentLedger {
  const ledger = ExperimentLedger.open(ledgerPath);
  ledger.addCells(cells);
  return ledger;
}

function finishes(): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(runLog)) return counts;
  for (const line of readFileSync(runLog, 'utf8').trim().split('\n')) {
    const key = line.split(' ')[0]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Every cell done with its right result and files; `exactlyOnce`: also ran to the end only once. */
function expectGridDone(cells: readonly CellSpec[], exactlyOnce: boolean): void {
  const ledger = ExperimentLedger.open(ledgerPath);
  try {
    expect(ledger.counts()).toEqual({ pending: 0, running: 0, done: cells.length, failed: 0 });
    for (const cell of ledger.cells()) {
      const n = 1000 + Number(cell.config.index);
      expect(cell.result).toMatchObject({
        index: cell.config.index,
        sumOfSquares: sumOfSquares(n),
        files: ['map.bin', 'summary.json'],
      });
      expect(cell.machine).toBeTruthy();
      expect(cell.seconds).toBeGreaterThan(0);
      const summary = JSON.parse(
        readFileSync(join(cellDirectory(dir, cell.key), 'summary.json'), 'utf8'),
      ) as JsonObject;
      expect(summary.sumOfSquares).toBe(sumOfSquares(n));
    }
  } finally {
    ledger.close();
  }
  const runs = finishes();
  expect([...runs.keys()].sort()).toEqual(cells.map((cell) => cell.key).sort());
  if (exactlyOnce) expect([...runs.values()].every((count) => count === 1)).toBe(true);
}

describe('queue URLs', () => {
  it('redacts passwords for logs', () => {
    expect(redactUrl('redis://user:s3cret@host:6380/2')).toBe('redis://user:***@host:6380/2');
    expect(redactUrl('rediss://:s3cret@host:6380')).toBe('rediss://:***@host:6380');
    expect(redactUrl('redis://s3cret@host')).toBe('redis://***@host');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(redactUrl('not a url s3cret')).toBe('<unparsable URL>');
  });

  it('turns redis:// and rediss:// URLs into ioredis options; errors never show the password', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6390/3', {})).toEqual({
      host: '127.0.0.1',
      port: 6390,
      db: 3,
    });
    expect(redisOptionsFromUrl('rediss://bob:p%40ss@example.org', {})).toEqual({
      host: 'example.org',
      port: 6379,
      db: 0,
      username: 'bob',
      password: 'p@ss',
      tls: { servername: 'example.org' },
    });
    expect(redisOptionsFromUrl('redis://h:1', { GSA_REDIS_PASSWORD: 'from-env' }).password).toBe(
      'from-env',
    );
    expect(() => redisOptionsFromUrl('http://:s3cret@h:1')).toThrow(
      /queue URL http:\/\/:\*\*\*@h:1\/ must start with redis:\/\//,
    );
    expect(() => redisOptionsFromUrl('redis://:s3cret@h:1/x')).toThrow(/\/x/);
  });

  it('fails fast, without the password, when Redis cannot be reached', async () => {
    const ledger = addGrid(grid(1, 1));
    ledger.close();
    await expect(
      runQueueCoordinator({
        ledgerPath,
        queueUrl: 'redis://:s3cret@127.0.0.1:1',
        connectTimeoutMs: 500,
      }),
    ).rejects.toThrow(/^cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 within/);
  });
});

describeIf(
  sharedRedisUrl !== undefined,
  'GSA_REDIS_URL is not set',
  'runQueueCoordinator + runQueueWorker (GSA_REDIS_URL)',
  () => {
    const url = sharedRedisUrl!;
    afterEach(() => obliterate(url));

    it('runs a 12-cell grid across 3 worker processes, every cell done exactly once', async () => {
      const cells = grid(12, 100);
      addGrid(cells).close();
      startWorkers(3, url);
      const counts = await runQueueCoordinator({
        ledgerPath,
        queueUrl: url,
        queueName,
        reconcileMs: 500,
      });
      expect(counts).toEqual({ pending: 0, running: 0, done: 12, failed: 0 });
      expectGridDone(cells, true);
      // Finished jobs are recorded, then removed from Redis.
      const connection = connectRedis(url);
      const queue = new Queue(queueName, { connection });
      expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({
        completed: 0,
        failed: 0,
        waiting: 0,
        active: 0,
      });
      await queue.close();
      connection.disconnect();
    });

    it('finishes the grid when a worker is SIGKILLed mid-cell: another takes its cell over', async () => {
      const cells = grid(12, 400);
      const ledger = addGrid(cells);
      startWorkers(3, url);
      const running = runQueueCoordinator({
        ledgerPath,
        queueUrl: url,
        queueName,
        reconcileMs: 500,
      });
      let victim: CellRecord | undefined;
      await waitFor(
        'a running cell',
        () =>
          (victim = ledger.cells({ state: 'running' }).find((cell) => cell.pid !== undefined)) !==
          undefined,
      );
      if (!victim) throw new Error('unreachable');
      process.kill(victim.pid!, 'SIGKILL');
      expect(await running).toEqual({ pending: 0, running: 0, done: 12, failed: 0 });
      const retried = ledger.cell(victim.key)!;
      expect(retried.attempts).toBe(2);
      expect(retried.workerId).not.toBe(victim.workerId);
      ledger.close();
      expectGridDone(cells, true);
    });

    it('survives a SIGKILL of the coordinator: a new one records what finished meanwhile and completes the grid', async () => {
      const cells = grid(12, 150);
      const ledger = addGrid(cells);
      startWorkers(2, url);
      const coordinator = spawn(
        tsNode[0],
        [...tsNode.slice(1), fixture('queue-coordinator.fixture.ts'), ledgerPath, queueName],
        {
          cwd: packageDir,
          env: { ...process.env, GSA_TEST_QUEUE_URL: url },
          stdio: 'inherit',
        },
      );
      await waitFor('3 cells done', () => ledger.counts().done >= 3);
      coordinator.kill('SIGKILL');
      await new Promise((resolve) => coordinator.once('exit', resolve));
      const before = ledger.counts().done;
      // The workers go on without a coordinator; their results wait in Redis.
      await waitFor('2 more cells finished by the workers', () => finishes().size >= before + 2);
      expect(ledger.counts().done).toBe(before);
      expect(
        await runQueueCoordinator({ ledgerPath, queueUrl: url, queueName, reconcileMs: 300 }),
      ).toEqual({
        pending: 0,
        running: 0,
        done: 12,
        failed: 0,
      });
      ledger.close();
      expectGridDone(cells, true);
    });

    it('a worker stopped with SIGTERM mid-cell puts the job back without using up an attempt', async () => {
      const slow = spec({ index: 1, sleepMs: 60_000 });
      const ledger = addGrid([slow]);
      startWorkers(1, url);
      const stop = new AbortController();
      const running = runQueueCoordinator({
        ledgerPath,
        queueUrl: url,
        queueName,
        reconcileMs: 300,
        signal: stop.signal,
      });
      await waitFor('the cell to start', () => ledger.counts().running === 1);
      await stopWorkers();
      const connection = connectRedis(url);
      const queue = new Queue(queueName, { connection });
      const job = await queue.getJob(slow.key);
      expect(await job!.getState()).toBe('waiting');
      expect(job!.attemptsMade).toBe(0);
      await queue.close();
      connection.disconnect();
      expect(workers).toEqual([]);
      stop.abort();
      expect((await running).done).toBe(0);
      ledger.close();
    });

    it('retries a failing cell with backoff and fails one that keeps failing, with its error', async () => {
      const flaky = spec({ index: 1, sleepMs: 1, failUntilAttempt: 2 });
      const broken = spec({ index: 2, sleepMs: 1, alwaysFail: true });
      const ledger = addGrid([flaky, broken]);
      startWorkers(1, url);
      const counts = await runQueueCoordinator({
        ledgerPath,
        queueUrl: url,
        queueName,
        attempts: 2,
        backoffMs: 50,
        reconcileMs: 300,
      });
      expect(counts).toEqual({ pending: 0, running: 0, done: 1, failed: 1 });
      expect(ledger.cell(flaky.key)).toMatchObject({ state: 'done', attempts: 2 });
      expect(ledger.cell(broken.key)).toMatchObject({ state: 'failed', attempts: 2 });
      expect(ledger.cell(broken.key)!.error).toMatch(/planned failure of cell 2 on attempt 2/);
      ledger.close();
    });
  },
);

describeIf(
  haveRedisServer,
  'redis-server is not installed (apt-get install redis-server)',
  'a password-protected Redis restarted mid-grid',
  () => {
    let server: RedisServer | undefined;
    afterEach(async () => {
      await stopWorkers(); // while their Redis is still there to say goodbye to
      await server?.stop();
    });

    it('completes the grid, and the password appears in no log and not in the ledger', async () => {
      const password = `pw-${randomBytes(8).toString('hex')}`;
      server = await RedisServer.start(password);
      const cells = grid(12, 150);
      const ledger = addGrid(cells);
      const lines: string[] = [];
      startWorkers(2, server.url);
      const running = runQueueCoordinator({
        ledgerPath,
        queueUrl: server.url,
        queueName,
        reconcileMs: 300,
        log: (line) => lines.push(line),
      });
      await waitFor('3 cells done', () => ledger.counts().done >= 3);
      await server.stop(); // everything in Redis is lost: it runs without persistence
      await sleep(1000);
      await server.startProcess();
      expect(await running).toEqual({ pending: 0, running: 0, done: 12, failed: 0 });
      ledger.close();
      expectGridDone(cells, false);
      expect(lines.join('\n')).toContain(`redis://:***@127.0.0.1:${server.port}`);
      const everything = [
        lines.join('\n'),
        ...workers.flatMap((worker) => worker.output),
        ...readdirSync(dir)
          .filter((file) => file.startsWith('ledger'))
          .map((file) => readFileSync(join(dir, file)).toString('latin1')),
      ].join('\n');
      expect(everything).not.toContain(password);
    });
  },
);

describeIf(
  haveRedisServer && haveOpenssl,
  'redis-server or openssl is not installed',
  'Redis over TLS (rediss://) with a password',
  () => {
    let server: RedisServer | undefined;
    afterEach(async () => {
      await stopWorkers();
      await server?.stop();
      delete process.env.GSA_REDIS_CA;
    });

    it('runs a grid through a verified TLS connection', async () => {
      const tls = selfSignedCertificate(dir);
      server = await RedisServer.start(`pw-${randomBytes(8).toString('hex')}`, tls);
      expect(server.url.startsWith('rediss://')).toBe(true);
      // Without the CA the certificate is rejected, and the error says so without the password.
      const refused = runQueueCoordinator({
        ledgerPath,
        queueUrl: server.url,
        queueName,
        connectTimeoutMs: 1500,
      });
      addGrid(grid(4, 20)).close();
      await expect(refused).rejects.toThrow(
        /cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+ within 2 s \(.*(certificate|self.signed)/i,
      );
      process.env.GSA_REDIS_CA = tls.cert;
      startWorkers(1, server.url);
      expect(
        await runQueueCoordinator({
          ledgerPath,
          queueUrl: server.url,
          queueName,
          reconcileMs: 300,
        }),
      ).toEqual({
        pending: 0,
        running: 0,
        done: 4,
        failed: 0,
      });
    });
  },
);
