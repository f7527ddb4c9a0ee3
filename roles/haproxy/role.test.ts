import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listensCommand } from './role.js';

/** Runs `cmd` under sh with `ss` replaced by a function printing `table` (ss -Hltn's columns). */
function run(cmd: string, table: string): Promise<number> {
  const stub = `ss() {\ncat <<'EOT'\n${table}\nEOT\n}`;
  return new Promise((resolve) => {
    execFile('sh', ['-c', `${stub}\n${cmd}`], (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0));
  });
}

const line = (local: string) => `LISTEN 0      1000   ${local}  0.0.0.0:*`;

describe('listensCommand', () => {
  it('passes only when every bind address:port listens', async () => {
    const both = [line('0.0.0.0:5432'), line('0.0.0.0:5433'), line('0.0.0.0:22')].join('\n');
    expect(await run(listensCommand('0.0.0.0', [5432, 5433]), both)).toBe(0);
    expect(await run(listensCommand('0.0.0.0', [5432, 5433]), line('0.0.0.0:5433'))).toBe(1);
  });

  it('does not take another program on 127.0.0.1 for HAProxy on 0.0.0.0', async () => {
    const table = [line('127.0.0.1:5432'), line('0.0.0.0:5433'), line('0.0.0.0:15432')].join('\n');
    expect(await run(listensCommand('0.0.0.0', [5432, 5433]), table)).toBe(1);
  });

  it('matches IPv6 bind addresses in brackets', async () => {
    expect(await run(listensCommand('::', [5432]), line('[::]:5432'))).toBe(0);
  });
});
