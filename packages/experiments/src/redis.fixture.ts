// Redis for the queue tests: GSA_REDIS_URL (CI starts one), and our own
// redis-server processes where a test must restart Redis or set a password.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sleep } from './runner.js';

export const sharedRedisUrl = process.env.GSA_REDIS_URL;
const required = process.env.GSA_REQUIRE_REDIS === '1';
export const redisServerBinary = process.env.GSA_REDIS_SERVER ?? 'redis-server';
export const haveRedisServer = spawnSync(redisServerBinary, ['--version']).status === 0;
export const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

/** A self-signed certificate for 127.0.0.1 (it is its own CA), written under `dir`. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'redis-cert.pem');
  const key = join(dir, 'redis-key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
  return { cert, key };
}

/** `describe` when the condition holds; otherwise skipped with a message, or failing when GSA_REQUIRE_REDIS=1. */
export function describeIf(condition: boolean, why: string, name: string, body: () => void): void {
  if (condition) return describe(name, body);
  if (required) {
    return describe(name, () => {
      it('needs Redis (GSA_REQUIRE_REDIS=1)', () => {
        throw new Error(`${name}: ${why}`);
      });
    });
  }
  console.warn(`skipping "${name}": ${why} (set GSA_REQUIRE_REDIS=1 to make this an error)`);
  describe.skip(name, body);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A throwaway redis-server on 127.0.0.1 (no persistence: a restart starts empty). */
export class RedisServer {
  private process: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly password: string,
    readonly tls: { cert: string; key: string } | undefined,
  ) {}

  /** With `tls`, the server speaks TLS only (rediss://). */
  static async start(password: string, tls?: { cert: string; key: string }): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), password, tls);
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}`;
  }

  async startProcess(): Promise<void> {
    const listen = this.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(this.port),
          '--tls-cert-file',
          this.tls.cert,
          '--tls-key-file',
          this.tls.key,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(this.port)];
    this.process = spawn(
      redisServerBinary,
      [
        ...listen,
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        this.password,
      ],
      { stdio: 'ignore' },
    );
    const client = new Redis({
      port: this.port,
      host: '127.0.0.1',
      password: this.password,
      lazyConnect: true,
      retryStrategy: () => null,
      ...(this.tls ? { tls: { ca: readFileSync(this.tls.cert) } } : {}),
    });
    client.on('error', () => undefined);
    for (let tries = 0; ; tries++) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch (error) {
        if (tries > 100) throw error;
        await sleep(50);
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
