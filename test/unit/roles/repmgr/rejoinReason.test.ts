import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { HostLiveFacts } from '../../../../roles/context.js';
import { repmgrPostgres } from '../../../../roles/repmgr/postgres.js';
import type { FactDef } from '../../../../src/engine/index.js';
import type { LiveState } from '../../../../src/inventory/liveTopology.js';
import { byName, defaultCluster } from '../fixtures.js';

/**
 * Whom deploy rewinds and rejoins, asked before the run. `answer` plays the
 * host: what a command matching it prints; the commands asked are recorded.
 */
function reasonFor(hosts: Record<string, HostLiveFacts>, answer: (command: string) => string, host = 'alpha', live: LiveState = { primary: 'beta', upstreams: {} }) {
  const c = defaultCluster();
  const asked: string[] = [];
  const read = <T>(def: FactDef<T>): Promise<T> => {
    asked.push(def.command);
    return Promise.resolve(def.parse({ code: 0, stdout: answer(def.command), stderr: '' }));
  };
  return { asked, reason: repmgrPostgres(c).rejoinReason!(c, live, hosts, byName(c, host), read) };
}

const primary: HostLiveFacts = { reachable: true, postgresRunning: true, inRecovery: false, dataDirInitialised: true, timeline: 2 };
const stopped: HostLiveFacts = { reachable: true, postgresRunning: false, dataDirInitialised: true };
const standbyOn = (timeline: number): HostLiveFacts => ({ reachable: true, postgresRunning: true, inRecovery: true, dataDirInitialised: true, upstream: 'beta', streaming: false, timeline });
const divergence = (replay: string) => `segments: 00000001 \npositions: |${replay}\nhistory:\ntimeline: 2\n1\t0/8061528\tno recovery target specified\n`;

describe('rejoinReason (repmgr): who deploy rewinds before the run', () => {
  it('a stopped data node without standby.signal is a former primary; with it, a stopped standby that simply starts', async () => {
    const none = reasonFor({ alpha: stopped, beta: primary }, () => 'no\n');
    expect(await none.reason).toBe('a former primary: repmgr node rejoin --force-rewind');
    expect(none.asked).toEqual(['test -e /opt/postgres/data/standby.signal && echo yes || echo no']);
    // The read run for real (this machine has no such file): what the parser above was given.
    expect(spawnSync('sh', ['-c', none.asked[0]!], { encoding: 'utf8' }).stdout).toBe('no\n');
    expect(await reasonFor({ alpha: stopped, beta: primary }, () => 'yes\n').reason).toBeUndefined();
  });

  it('a running standby that replayed past the fork is rejoined, and the reason says where it left the history', async () => {
    const r = reasonFor({ alpha: standbyOn(1), beta: primary }, () => divergence('0/9000100'));
    expect(await r.reason).toBe(
      "a standby that left beta's history: it replayed WAL of timeline 1 up to 0/9000100, past 0/8061528 where the primary's timeline 2 left it; stopped, then repmgr node rejoin --force-rewind",
    );
    expect(r.asked).toHaveLength(1);
    expect(r.asked[0]).toMatch(/^echo "segments: /);
  });

  it('a standby whose replay ends before the fork follows the primary as it is: no rejoin', async () => {
    expect(await reasonFor({ alpha: standbyOn(1), beta: primary }, () => divergence('0/8000000')).reason).toBeUndefined();
  });

  it("a standby on the primary's timeline costs no read; nor do the primary itself, an unreachable or empty host, or a cluster without a live primary", async () => {
    const never = () => {
      throw new Error('nothing may be read');
    };
    expect(await reasonFor({ alpha: standbyOn(2), beta: primary }, never).reason).toBeUndefined();
    expect(await reasonFor({ alpha: primary, beta: standbyOn(2) }, never, 'alpha', { primary: 'alpha', upstreams: {} }).reason).toBeUndefined();
    expect(await reasonFor({ alpha: { ...stopped, reachable: false }, beta: primary }, never).reason).toBeUndefined();
    expect(await reasonFor({ alpha: { ...stopped, dataDirInitialised: false }, beta: primary }, never).reason).toBeUndefined();
    expect(await reasonFor({ alpha: stopped, beta: stopped }, never, 'alpha', { upstreams: {} }).reason).toBeUndefined();
    // The witness never runs as a second primary: never rejoined.
    expect(await reasonFor({ alpha: primary, gamma: stopped }, never, 'gamma', { primary: 'alpha', upstreams: {} }).reason).toBeUndefined();
  });
});
