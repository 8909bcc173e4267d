import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

/** Read when a queue URL carries no password, so that it stays out of command lines and `ps`. */
export const redisPasswordVariable = 'GSA_REDIS_PASSWORD';
/** A PEM file of the CA that signed a rediss:// server's certificate (a private CA); NODE_EXTRA_CA_CERTS works too. */
export const redisCaVariable = 'GSA_REDIS_CA';

/** The URL with its password (if any) replaced by `***`: what logs may show. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unparsable URL>';
  }
  if (parsed.password) parsed.password = '***';
  // A lone user part in redis://secret@host is a password to Redis (AUTH secret).
  else if (parsed.username && (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:')) {
    parsed.username = '***';
  }
  return parsed.toString();
}

/**
 * ioredis options for `redis://[user[:password]@]host[:port][/db]` or
 * `rediss://...` (TLS, verified; a private CA's PEM file in GSA_REDIS_CA).
 * The password may instead come from GSA_REDIS_PASSWORD. Clear errors name
 * the URL with its password hidden.
 */
export function redisOptionsFromUrl(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `queue URL ${redactUrl(url)} is not a URL: use redis://HOST:PORT or rediss://HOST:PORT`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`queue URL ${redactUrl(url)} must start with redis:// or rediss:// (TLS)`);
  }
  if (!parsed.hostname)
    throw new Error(`queue URL ${redactUrl(url)} names no host: use redis://HOST:PORT`);
  const database = parsed.pathname.replace(/^\//, '');
  if (database !== '' && !/^\d+$/.test(database)) {
    throw new Error(
      `queue URL ${redactUrl(url)}: the path must be a database number (/0), got /${database}`,
    );
  }
  const user = decodeURIComponent(parsed.username);
  const secret = decodeURIComponent(parsed.password);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: RedisOptions = {
    host,
    port: parsed.port ? Number(parsed.port) : 6379,
    db: database === '' ? 0 : Number(database),
  };
  if (secret) {
    options.password = secret;
    if (user) options.username = user;
  } else if (user) {
    options.password = user;
  } else if (env[redisPasswordVariable]) {
    options.password = env[redisPasswordVariable];
  }
  if (parsed.protocol === 'rediss:') {
    const tls: NonNullable<RedisOptions['tls']> = {};
    // SNI carries host names only.
    if (isIP(host) === 0) tls.servername = host;
    const caFile = env[redisCaVariable];
    if (caFile) {
      try {
        tls.ca = readFileSync(caFile);
      } catch (error) {
        throw new Error(
          `${redisCaVariable}=${caFile} cannot be read (${(error as Error).message}): give the PEM file of the Redis server's CA`,
        );
      }
    }
    options.tls = tls;
  }
  return options;
}

/**
 * A client for BullMQ: it never fails a command while Redis is away
 * (maxRetriesPerRequest null) and reconnects every <= 2 s, so a Redis
 * restart only pauses the grid.
 */
export function connectRedis(url: string): Redis {
  const client = new Redis({
    ...redisOptionsFromUrl(url),
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  // Connection errors surface through waitForRedis and BullMQ; without a listener ioredis prints them unredacted.
  client.on('error', () => undefined);
  return client;
}

/** Connects, or fails after `timeoutMs` with an error naming the (redacted) URL. */
export async function waitForRedis(client: Redis, url: string, timeoutMs: number): Promise<void> {
  let lastError = '';
  const onError = (error: Error) => {
    lastError = error.message;
  };
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `cannot reach Redis at ${redactUrl(url)} within ${Math.round(timeoutMs / 1000)} s${lastError ? ` (${lastError})` : ''}: is it running, and are host, port, password and TLS right?`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    client.disconnect();
    const message = (error as Error).message;
    throw new Error(
      message.startsWith('cannot reach') ? message : `Redis at ${redactUrl(url)}: ${message}`,
    );
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
}
