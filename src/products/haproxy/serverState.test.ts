import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HAPROXY_ADMIN_SOCKET, HAPROXY_SAVE_STATE_PATH, HAPROXY_STATE_FILE, haproxyDropIn, saveStateScript } from './serverState.js';

let dir: string;
let server: Server | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-haproxy-state-'));
});
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

// As HAProxy 2.6.12 answered `show servers state` (one leader up, one replica down).
const STATE = [
  '1',
  '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port',
  '2 pg_leader 1 a 127.0.0.1 0 0 1 1 3 17 2 0 6 0 0 0 - 7002 - 0 7002 - - 7002',
  '2 pg_leader 2 b 127.0.0.1 2 0 1 1 3 15 3 4 6 0 0 0 - 7001 - 0 7001 - - 7001',
  '',
  '',
].join('\n');

/** A stand-in for HAProxy's admin socket: answers `answer` to `show servers state`, records what it was asked. */
async function adminSocket(answer: string): Promise<{ path: string; asked: string[] }> {
  const path = join(dir, 'admin.sock');
  const asked: string[] = [];
  server = createServer((c) => {
    c.on('data', (d) => {
      asked.push(d.toString());
      c.end(answer);
    });
  });
  await new Promise<void>((r) => server!.listen(path, () => r()));
  return { path, asked };
}

async function save(socket: string, file: string): Promise<number> {
  const script = join(dir, 'save');
  await writeFile(script, saveStateScript(), { mode: 0o755 });
  return new Promise((resolve) => execFile(script, [socket, file], (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0)));
}

const exists = (p: string) => stat(p).then(() => true, () => false);

describe("HAProxy's server states across a reload", () => {
  it('saves what `show servers state` answers, atomically', async () => {
    const s = await adminSocket(STATE);
    const file = join(dir, 'state');
    expect(await save(s.path, file)).toBe(0);
    expect(s.asked).toEqual(['show servers state\n']);
    expect(await readFile(file, 'utf8')).toBe(STATE);
    expect(await exists(`${file}.tmp`)).toBe(false);
  });

  it('leaves no file (never a stale one) and exits 0 when HAProxy does not answer, or answers something else', async () => {
    const file = join(dir, 'state');
    await writeFile(file, 'stale');
    expect(await save(join(dir, 'no-such.sock'), file)).toBe(0);
    expect(await exists(file)).toBe(false);
    await adminSocket('Unknown command\n');
    await writeFile(file, 'stale');
    expect(await save(join(dir, 'admin.sock'), file)).toBe(0);
    expect(await exists(file)).toBe(false);
  });

  it("the drop-in keeps Debian's check and USR2, saves between them without failing a reload, and removes the states before a start", () => {
    expect(haproxyDropIn().split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      '[Service]',
      `ExecStartPre=-/bin/rm -f ${HAPROXY_STATE_FILE}`,
      'ExecReload=',
      'ExecReload=/usr/sbin/haproxy -Ws -f $CONFIG -c -q $EXTRAOPTS',
      `ExecReload=-${HAPROXY_SAVE_STATE_PATH} ${HAPROXY_ADMIN_SOCKET} ${HAPROXY_STATE_FILE}`,
      'ExecReload=/bin/kill -USR2 $MAINPID',
      '',
    ]);
  });
});
