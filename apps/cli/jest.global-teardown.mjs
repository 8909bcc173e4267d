import { rmSync } from 'node:fs';

export default function teardown() {
  if (process.env.GSA_CLI_FIXTURE)
    rmSync(process.env.GSA_CLI_FIXTURE, { recursive: true, force: true });
}
