import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFY_PATH } from '../notify/notify.js';
import { DATA_DIR } from '../postgres/layout.js';
import { nodeStateSql, FENCE_ARMED_MARKER, FENCED_MARKER, FENCE_PLANNED_OUT, FENCE_STATE_DIR, majorityOf, plannedOutCommand, runtimeFenceScript, votersOf, type RuntimeFenceInput } from './runtimeFence.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const INPUT: RuntimeFenceInput = { version: 15, me: 'alpha', dataNodes: ['beta', 'gamma'], witnesses: ['omega'], after: 6, pgbouncer: true };

/** A node's answer to the fence's question: `f 1 off` (primary on timeline 1), `t 0 off` (standby), or down. */
type Answer = string | 'down';

interface World {
  local: Answer;
  peers: Record<string, Answer>;
  /** Seconds since the epoch, as `date +%s` says. */
  now: number;
  /** When the fence last saw a majority; unset: never ran. */
  lastMajority?: number;
  fenced?: string;
  pgbouncerActive?: boolean;
  /** Whether it has seen a majority as primary before (default: yes). */
  armed?: boolean;
  /** When a standby last streamed (synchronous replication). */
  lastStandby?: number;
  /** notification_command set: m1-notify installed. */
  hook?: boolean;
  /** The planned-out list deploy wrote (FENCE_PLANNED_OUT), as is. */
  plannedOut?: string;
  /** What pg_controldata says of the server's state (unset: it prints nothing). */
  clusterState?: string;
  /** The data directory's postgresql.auto.conf. */
  autoConf?: string;
}

/**
 * One iteration of the real script (`m1-fence once`) with psql, systemctl
 * and the clock faked: psql answers per host and logs every other statement;
 * systemctl logs what it is asked.
 */
function step(w: World, input = INPUT) {
  const d = mkdtempSync(join(tmpdir(), 'm1-rfence-'));
  dirs.push(d);
  const bin = join(d, 'bin');
  mkdirSync(bin);
  const psql = join(bin, 'psql');
  writeFileSync(
    psql,
    [
      '#!/bin/sh',
      `D=${d}`,
      'conn=$5; sql=$7',
      'echo "$conn" >> "$D/psql.log"',
      'case "$conn" in',
      '  *host=*) h=${conn#host=}; h=${h%% *}; a=$(cat "$D/peer-$h" 2>/dev/null || echo down) ;;',
      '  *) case "$sql" in SELECT\\ pg_is_in_recovery*) a=$(cat "$D/local") ;; *) echo "$sql" >> "$D/sql.log"; echo 1; exit 0 ;; esac ;;',
      'esac',
      '[ "$a" = down ] && exit 2',
      'echo "$a"',
    ].join('\n'),
  );
  writeFileSync(
    join(bin, 'systemctl'),
    ['#!/bin/sh', `echo "$*" >> ${d}/systemctl.log`, `[ "$1 $2 $3" = "is-active --quiet pgbouncer" ] && { [ -f ${d}/pgbouncer-active ]; exit $?; }`, 'exit 0'].join('\n'),
  );
  writeFileSync(join(bin, 'pg_controldata'), `#!/bin/sh\ncat ${d}/controldata 2>/dev/null\n`, { mode: 0o755 });
  if (w.clusterState !== undefined) writeFileSync(join(d, 'controldata'), `pg_control version number:            1300\nDatabase cluster state:               ${w.clusterState}\npg_control last modified:             Mon Dec  7 05:00:00 2026\n`);
  const data = join(d, 'data');
  mkdirSync(data);
  if (w.autoConf !== undefined) writeFileSync(join(data, 'postgresql.auto.conf'), w.autoConf);
  if (w.hook) writeFileSync(join(bin, 'm1-notify'), `#!/bin/sh\necho "$*" >> ${d}/notify.log\n`, { mode: 0o755 });
  chmodSync(psql, 0o755);
  chmodSync(join(bin, 'systemctl'), 0o755);
  writeFileSync(join(d, 'local'), w.local);
  for (const [h, a] of Object.entries(w.peers)) writeFileSync(join(d, `peer-${h}`), a);
  writeFileSync(join(d, 'now'), String(w.now));
  const state = join(d, 'state');
  mkdirSync(state);
  if (w.lastMajority !== undefined) writeFileSync(join(state, 'last-majority'), String(w.lastMajority));
  if (w.lastStandby !== undefined) writeFileSync(join(state, 'last-standby'), String(w.lastStandby));
  if (w.plannedOut !== undefined) writeFileSync(join(state, 'planned-out'), w.plannedOut);
  const marker = join(d, 'fenced');
  const armed = join(d, 'armed');
  if (w.armed ?? true) writeFileSync(armed, '');
  if (w.fenced !== undefined) writeFileSync(marker, w.fenced);
  if (w.pgbouncerActive) writeFileSync(join(d, 'pgbouncer-active'), '');
  const script = runtimeFenceScript(input)
    .replaceAll('/usr/lib/postgresql/15/bin/psql', psql)
    .replaceAll('/usr/lib/postgresql/15/bin/pg_controldata', join(bin, 'pg_controldata'))
    .replaceAll(`DATA=${DATA_DIR}`, `DATA=${data}`)
    .replaceAll('runuser -u postgres -- ', '')
    .replaceAll(FENCE_ARMED_MARKER, armed)
    .replaceAll(FENCED_MARKER, marker)
    .replaceAll(FENCE_STATE_DIR, state)
    .replaceAll(NOTIFY_PATH, join(bin, 'm1-notify'))
    .replace('now() { date +%s; }', `now() { cat ${d}/now; }`);
  const r = spawnSync('sh', ['-s', 'once'], { input: script, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` }, timeout: 20_000 });
  const read = (f: string) => (existsSync(join(d, f)) ? readFileSync(join(d, f), 'utf8') : '');
  return {
    code: r.status,
    out: r.stdout + r.stderr,
    sql: read('sql.log').split('\n').filter(Boolean),
    /** Every psql started, by its connection string. */
    psql: read('psql.log').split('\n').filter(Boolean),
    systemctl: read('systemctl.log').split('\n').filter(Boolean),
    marker: existsSync(marker) ? readFileSync(marker, 'utf8') : undefined,
    armed: existsSync(armed),
    notified: read('notify.log').split('\n').filter(Boolean),
    lastMajority: Number(readFileSync(join(state, 'last-majority'), 'utf8')),
  };
}

const STANDBY = 't 0 off';
const PRIMARY_TL1 = 'f 1 off';

describe('runtimeFenceScript', () => {
  it('is valid sh', () => {
    expect(spawnSync('sh', ['-n'], { input: runtimeFenceScript(INPUT) }).status).toBe(0);
  });

  it('counts itself, the other data nodes and the witness as voters', () => {
    expect(votersOf(INPUT)).toBe(4);
    expect(majorityOf(4)).toBe(3);
    expect(majorityOf(3)).toBe(2);
    expect(majorityOf(5)).toBe(3);
  });

  it('a primary that sees a majority changes nothing and notes the time', () => {
    const r = step({ local: PRIMARY_TL1, peers: { beta: STANDBY, gamma: 'down', omega: 'f 1 off' }, now: 1000, lastMajority: 900 });
    expect(r.code).toBe(0);
    expect(r.sql).toEqual([]);
    expect(r.systemctl).toEqual([]);
    expect(r.marker).toBeUndefined();
    expect(r.lastMajority).toBe(1000);
  });

  it('a primary cut off for less than `after` seconds is not fenced yet', () => {
    const r = step({ local: PRIMARY_TL1, peers: { beta: 'down', gamma: 'down', omega: 'down' }, now: 1005, lastMajority: 1000 });
    expect(r.marker).toBeUndefined();
    expect(r.sql).toEqual([]);
    expect(r.lastMajority).toBe(1000);
  });

  it('a primary cut off for `after` seconds refuses writes, ends every session and stops its PgBouncer', () => {
    const r = step({ local: PRIMARY_TL1, peers: { beta: 'down', gamma: STANDBY, omega: 'down' }, now: 1006, lastMajority: 1000, pgbouncerActive: true });
    expect(r.sql[0]).toBe('ALTER SYSTEM SET default_transaction_read_only = on');
    expect(r.sql[1]).toBe('SELECT pg_reload_conf()');
    expect(r.sql[2]).toMatch(/pg_terminate_backend\(pid\).*backend_type = 'client backend'/);
    expect(r.systemctl).toContain('stop pgbouncer');
    expect(r.marker).toMatch(/^fenced at \S+: saw 2 of 4 voters \(a majority is 3\) for 6 s\npgbouncer stopped\n$/);
    expect(r.out).toContain('m1-fence: fenced alpha: saw 2 of 4 voters');
    expect(r.systemctl).not.toContain('stop postgres');
  });

  describe('voters stopped on purpose (deploy rewinding them: the planned-out list)', () => {
    it('are not counted while they do not answer: the primary alone with the rest of the voters stopped on purpose is not fenced', () => {
      const r = step({ local: PRIMARY_TL1, peers: { beta: 'down', gamma: 'down', omega: STANDBY }, now: 1010, lastMajority: 1000, plannedOut: 'beta 2000\ngamma 2000\n' });
      expect(r.marker).toBeUndefined();
      expect(r.sql).toEqual([]);
      expect(r.lastMajority).toBe(1010);
    });
    it('a voter not on the list still counts: cut off from it and the witness, the primary fences, and says who was not counted', () => {
      const r = step({ local: PRIMARY_TL1, peers: { beta: 'down', gamma: 'down', omega: 'down' }, now: 1010, lastMajority: 1000, plannedOut: 'beta 2000\n' });
      expect(r.marker).toMatch(/^fenced at \S+: saw 1 of 3 voters \(a majority is 2\) for 10 s; beta stopped on purpose, not counted\n/);
    });
    it('an expired entry counts as any voter', () => {
      const r = step({ local: PRIMARY_TL1, peers: { beta: 'down', gamma: 'down', omega: STANDBY }, now: 1010, lastMajority: 1000, plannedOut: 'beta 1005\ngamma 1005\n' });
      expect(r.marker).toMatch(/saw 2 of 4 voters \(a majority is 3\)/);
    });
    it('one that answers again counts as seen, as any voter', () => {
      const r = step({ local: 'f 1 on', peers: { beta: STANDBY, gamma: 'down', omega: STANDBY }, now: 1010, lastMajority: 1000, plannedOut: 'beta 2000\ngamma 2000\n', fenced: 'fenced at x: y\n' });
      expect(r.out).toContain('fence of alpha lifted: 3 of 3 voters answer');
    });
    it('is written by one command, run for real here: one line per node with the same expiry', () => {
      const d = mkdtempSync(join(tmpdir(), 'm1-planned-'));
      dirs.push(d);
      const cmd = plannedOutCommand(['beta', "o'hare"], 600).replaceAll(FENCE_STATE_DIR, d);
      const before = Math.floor(Date.now() / 1000);
      expect(spawnSync('sh', ['-c', cmd]).status).toBe(0);
      const lines = readFileSync(join(d, FENCE_PLANNED_OUT.slice(FENCE_STATE_DIR.length + 1)), 'utf8').trim().split('\n');
      expect(lines.map((l) => l.split(' ')[0])).toEqual(['beta', "o'hare"]);
      for (const l of lines) expect(Number(l.split(' ')[1]) - before).toBeGreaterThanOrEqual(600);
      expect(() => plannedOutCommand([])).toThrow(/no node/);
      expect(() => plannedOutCommand(['beta'], 0)).toThrow(/seconds/);
    });
  });

  it('without a PgBouncer running, the fence only refuses writes', () => {
    const r = step({ local: PRIMARY_TL1, peers: {}, now: 1010, lastMajority: 1000 });
    expect(r.systemctl).toEqual(['is-active --quiet pgbouncer']);
    expect(r.marker).not.toContain('pgbouncer');
    expect(r.sql[0]).toBe('ALTER SYSTEM SET default_transaction_read_only = on');
  });

  it('an already fenced primary still cut off does nothing more', () => {
    const r = step({ local: 'f 1 on', peers: {}, now: 1100, lastMajority: 1000, fenced: 'fenced at x: y\n' });
    expect(r.sql).toEqual([]);
    expect(r.systemctl).toEqual([]);
    expect(r.marker).toBe('fenced at x: y\n');
  });

  it('lifts its fence when a majority answers and no other data node is primary (a blip), starting the PgBouncer it stopped', () => {
    const r = step({ local: 'f 1 on', peers: { beta: STANDBY, gamma: STANDBY, omega: 'f 1 off' }, now: 1020, lastMajority: 1000, fenced: 'fenced at x: y\npgbouncer stopped\n' });
    expect(r.sql).toEqual(['ALTER SYSTEM RESET default_transaction_read_only', 'SELECT pg_reload_conf()']);
    expect(r.systemctl).toEqual(['start pgbouncer']);
    expect(r.marker).toBeUndefined();
    expect(r.out).toContain('fence of alpha lifted: 4 of 4 voters answer');
  });

  it('stays fenced while another data node also runs as primary on the same timeline', () => {
    const r = step({ local: 'f 1 on', peers: { beta: 'f 1 off', gamma: STANDBY, omega: 'down' }, now: 1020, lastMajority: 1000, fenced: 'fenced at x: y\n' });
    expect(r.sql).toEqual([]);
    expect(r.marker).toBeDefined();
    expect(r.out).toContain('alpha stays fenced: beta also runs as primary');
  });

  it('stops Postgres when a data node runs as primary on a newer timeline (promoted while this one was cut off)', () => {
    const r = step({ local: 'f 1 on', peers: { beta: 'f 2 off', gamma: STANDBY, omega: 'f 1 off' }, now: 1030, lastMajority: 1000, fenced: 'fenced at x: y\n' });
    expect(r.systemctl).toEqual(['stop postgres']);
    expect(r.out).toContain('stopping Postgres on alpha: beta runs as primary on a newer timeline; m1 deploy rejoins alpha');
  });

  it('fences first, then stops, a primary that was never cut off long enough but meets a promoted node', () => {
    const r = step({ local: PRIMARY_TL1, peers: { beta: 'f 2 off', gamma: STANDBY, omega: 'f 1 off' }, now: 1030, lastMajority: 1029, pgbouncerActive: true });
    expect(r.sql[0]).toBe('ALTER SYSTEM SET default_transaction_read_only = on');
    expect(r.systemctl).toEqual(['is-active --quiet pgbouncer', 'stop pgbouncer', 'stop postgres']);
    expect(r.marker).toMatch(/beta runs as primary on a newer timeline/);
  });

  it('leaves the PgBouncer it stopped to deploy once a newer primary exists: rejoined, the node does not start it on a file that points at itself', () => {
    const stopped = step({ local: 'f 1 on', peers: { beta: 'f 2 off', gamma: STANDBY, omega: 'f 1 off' }, now: 1030, lastMajority: 1000, fenced: 'fenced at x: y\npgbouncer stopped\n' });
    expect(stopped.marker).toBe('fenced at x: y\npgbouncer left stopped: deploy starts it for the new primary\n');
    const rejoined = step({ local: 't 0 on', peers: {}, now: 1100, lastMajority: 1030, fenced: stopped.marker });
    expect(rejoined.systemctl).toEqual([]);
    expect(rejoined.marker).toBeUndefined();
  });

  it('never takes the witness, which runs out of recovery, for a primary', () => {
    const r = step({ local: PRIMARY_TL1, peers: { beta: STANDBY, gamma: STANDBY, omega: 'f 7 off' }, now: 1000, lastMajority: 990 });
    expect(r.systemctl).toEqual([]);
    expect(r.sql).toEqual([]);
  });

  it('a standby (a rejoined former primary) has its fence setting and marker removed', () => {
    const r = step({ local: 't 0 on', peers: {}, now: 1000, lastMajority: 900, fenced: 'fenced at x: y\n' });
    expect(r.sql).toEqual(['ALTER SYSTEM RESET default_transaction_read_only', 'SELECT pg_reload_conf()']);
    expect(r.marker).toBeUndefined();
    expect(r.lastMajority).toBe(1000);
  });

  it('a standby with nothing to lift, or a server that does not answer, is left alone and counts afresh', () => {
    const s = step({ local: STANDBY, peers: {}, now: 1000, lastMajority: 900 });
    expect(s.sql).toEqual([]);
    expect(s.systemctl).toEqual([]);
    const down = step({ local: 'down', peers: {}, now: 1000, lastMajority: 900 });
    expect(down.sql).toEqual([]);
    expect(down.systemctl).toEqual([]);
    expect(down.lastMajority).toBe(1000);
  });

  describe('a standby pg_control says is in recovery', () => {
    const AUTO = "# Do not edit this file manually!\nprimary_conninfo = 'host=beta'\n";
    it('with nothing of the fence\'s on it, asks nobody, not even its own server, and counts afresh', () => {
      const r = step({ local: STANDBY, peers: { beta: PRIMARY_TL1 }, now: 1000, lastMajority: 900, clusterState: 'in archive recovery', autoConf: AUTO });
      expect(r.psql).toEqual([]);
      expect(r.lastMajority).toBe(1000);
    });
    it('with the fence\'s setting left in postgresql.auto.conf (rewound from a fenced primary), asks its server and lifts it', () => {
      const r = step({ local: 't 0 on', peers: {}, now: 1000, lastMajority: 900, clusterState: 'in archive recovery', autoConf: AUTO + "default_transaction_read_only = 'on'\n" });
      expect(r.sql).toEqual(['ALTER SYSTEM RESET default_transaction_read_only', 'SELECT pg_reload_conf()']);
    });
    it('with a fence marker, asks its server and removes the marker', () => {
      const r = step({ local: STANDBY, peers: {}, now: 1000, lastMajority: 900, clusterState: 'in archive recovery', autoConf: AUTO, fenced: 'fenced at x: y\n' });
      expect(r.psql.length).toBeGreaterThan(0);
      expect(r.marker).toBeUndefined();
    });
  });

  it('a server pg_control says is in production is asked every time, as are the voters', () => {
    const r = step({ local: PRIMARY_TL1, peers: { beta: STANDBY, gamma: STANDBY, omega: 'f 1 off' }, now: 1000, lastMajority: 999, clusterState: 'in production', autoConf: '' });
    expect(r.psql.filter((c) => c.includes('host=')).length).toBe(3);
    expect(r.lastMajority).toBe(1000);
  });

  it('a primary that never saw a majority (its standbys still being cloned) never fences; the first majority arms it', () => {
    const building = step({ local: PRIMARY_TL1, peers: {}, now: 1100, lastMajority: 1000, armed: false });
    expect(building.marker).toBeUndefined();
    expect(building.sql).toEqual([]);
    expect(building.armed).toBe(false);
    const built = step({ local: PRIMARY_TL1, peers: { beta: STANDBY, gamma: STANDBY }, now: 1100, lastMajority: 1000, armed: false });
    expect(built.armed).toBe(true);
    expect(built.out).toContain('armed on alpha: 3 of 4 voters answer');
  });

  it('its first run starts counting from now, so a fresh start never fences at once', () => {
    const r = step({ local: PRIMARY_TL1, peers: {}, now: 1000 });
    expect(r.marker).toBeUndefined();
    expect(r.lastMajority).toBe(1000);
  });

  it('tells notification_command about the fence, its lifting and the stop, when one is set', () => {
    const cut = { local: PRIMARY_TL1, peers: {}, now: 1010, lastMajority: 1000 };
    expect(step({ ...cut, hook: true }).notified).toEqual(['m1 fence alpha 1']);
    expect(step(cut).notified).toEqual([]);
    const back = { local: 'f 1 on', peers: { beta: STANDBY, gamma: STANDBY }, now: 1020, lastMajority: 1000, fenced: 'fenced at x: y\n', hook: true };
    expect(step(back).notified).toEqual(['m1 fence_lifted alpha 1']);
    const promoted = { local: 'f 1 on', peers: { beta: 'f 2 off' }, now: 1020, lastMajority: 1000, fenced: 'fenced at x: y\n', hook: true };
    expect(step(promoted).notified).toEqual(['m1 fence_stop alpha 1']);
  });

  it('without a hook, lifting the fence still reports success', () => {
    const r = step({ local: 'f 1 on', peers: { beta: STANDBY, gamma: STANDBY }, now: 1020, lastMajority: 1000, fenced: 'fenced at x: y\n' });
    expect(r.out).toContain('fence of alpha lifted');
  });

  describe('with synchronous_replication', () => {
    const on: RuntimeFenceInput = { ...INPUT, synchronous: 'on' };
    const strict: RuntimeFenceInput = { ...INPUT, synchronous: 'strict' };
    const peers = { beta: STANDBY, gamma: STANDBY, omega: 'f 1 off' };

    it('a primary with a streaming standby makes its commits wait for any one of the other data nodes', () => {
      const r = step({ local: 'f 1 off f f 1', peers, now: 1000, lastMajority: 999 }, on);
      expect(r.sql).toEqual([`ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("beta","gamma")'`, 'SELECT pg_reload_conf()']);
      expect(r.out).toContain('commits on alpha wait for one standby now');
    });

    it('already waiting for one: nothing to do', () => {
      expect(step({ local: 'f 1 off t t 2', peers, now: 1000, lastMajority: 999 }, on).sql).toEqual([]);
    });

    it('on: no standby streaming for `after` seconds while a majority answers: the primary runs alone, and says so', () => {
      const r = step({ local: 'f 1 off t t 0', peers, now: 1010, lastMajority: 1009, lastStandby: 1000 }, on);
      expect(r.sql).toEqual(['ALTER SYSTEM RESET synchronous_standby_names', 'SELECT pg_reload_conf()']);
      expect(r.out).toContain('alpha runs alone: no standby has streamed for 10 s');
      expect(step({ local: 'f 1 off t t 0', peers, now: 1003, lastMajority: 1002, lastStandby: 1000 }, on).sql).toEqual([]);
    });

    it('strict: the primary keeps waiting (commits block) rather than run alone', () => {
      expect(step({ local: 'f 1 off t t 0', peers, now: 1100, lastMajority: 1099, lastStandby: 1000 }, strict).sql).toEqual([]);
    });

    it('on: a primary cut off from the majority never drops its standby; it fences instead', () => {
      const r = step({ local: 'f 1 off t t 0', peers: {}, now: 1100, lastMajority: 1090, lastStandby: 1000 }, on);
      expect(r.sql).not.toContain('ALTER SYSTEM RESET synchronous_standby_names');
      expect(r.sql[0]).toBe('ALTER SYSTEM SET default_transaction_read_only = on');
    });

    it('a standby (a rejoined former primary) waits for nobody', () => {
      expect(step({ local: 't 0 off t f 0', peers: {}, now: 1000 }, on).sql).toEqual(['ALTER SYSTEM RESET synchronous_standby_names', 'SELECT pg_reload_conf()']);
    });

    it('counts only the other data nodes streaming, by their application_name; without it the question is the plain one', () => {
      expect(nodeStateSql(on)).toContain("application_name IN ('beta', 'gamma')");
      expect(nodeStateSql(INPUT)).not.toContain('pg_stat_replication');
    });
  });
});
