import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listensCommand, settledCommand } from './role.js';

/** Runs `cmd` under sh with `program` (ss, curl) replaced by a function printing `table`. */
function run(cmd: string, table: string, program = 'ss'): Promise<number> {
  const stub = `${program}() {\ncat <<'EOT'\n${table}\nEOT\n}`;
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

/** HAProxy 2.6's CSV statistics with the columns m1 reads (status: 18, check_status: 37). */
function csv(rows: Array<[string, string, string, string]>): string {
  const header = '# pxname,svname,' + Array.from({ length: 15 }, (_, i) => `c${i + 3}`).join(',') + ',status,' + Array.from({ length: 18 }, (_, i) => `c${i + 19}`).join(',') + ',check_status,rest';
  const line = ([px, sv, status, check]: [string, string, string, string]) =>
    [px, sv, ...Array(15).fill(''), status, ...Array(18).fill(''), check, ''].join(',');
  return [header, ...rows.map(line)].join('\n');
}

describe('settledCommand', () => {
  const settled: Array<[string, string, string, string]> = [
    ['pg_write', 'FRONTEND', 'OPEN', ''],
    ['pg_leader', 'sage', 'DOWN', 'L7STS'],
    ['pg_leader', 'thyme', 'UP', 'L7OK'],
    ['pg_leader', 'BACKEND', 'UP', ''],
    ['pg_replicas', 'sage', 'UP', 'L7OK'],
    ['pg_replicas', 'thyme', 'DOWN', 'L7STS'],
    ['stats', 'BACKEND', 'UP', ''],
  ];

  it('passes when every server follows its last check', async () => {
    expect(await run(settledCommand(8404), csv(settled), 'curl')).toBe(0);
  });

  it('waits while servers are still up from a reload before their first check (measured: "UP 1/2", INI)', async () => {
    const afterReload = settled.map((r): [string, string, string, string] => (r[0] === 'pg_replicas' && r[1] !== 'BACKEND' ? [r[0], r[1], 'UP 1/2', 'INI'] : r));
    expect(await run(settledCommand(8404), csv(afterReload), 'curl')).toBe(1);
  });

  it('waits while a server is up although its check fails, and when no server is listed', async () => {
    const stale = settled.map((r): [string, string, string, string] => (r[1] === 'sage' && r[0] === 'pg_leader' ? [r[0], r[1], 'UP', 'L7STS'] : r));
    expect(await run(settledCommand(8404), csv(stale), 'curl')).toBe(1);
    expect(await run(settledCommand(8404), csv([['pg_write', 'FRONTEND', 'OPEN', '']]), 'curl')).toBe(1);
  });
});
