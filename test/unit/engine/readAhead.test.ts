/**
 * The engine's read-ahead (Playbook.readAhead): while the first stage runs,
 * the hosts of later stages read what their roles will read, and nothing
 * else; a change anywhere makes those reads worthless, and they are made again.
 */
import { describe, expect, it, vi } from 'vitest';
import { FakeConnector } from '../../../src/engine/connectors/fake.js';
import { defineFact } from '../../../src/engine/facts/fact.js';
import { command } from '../../../src/engine/operations/command.js';
import { runPlaybook } from '../../../src/engine/run/engine.js';
import { defineRole, type Playbook, type Role } from '../../../src/engine/run/playbook.js';

const X = defineFact('x', 'read-x', (r) => {
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
});
const Y = defineFact('y', 'read-y', (r) => r.stdout.trim());

/** A first stage on host a that holds until `release()`, changing something first when asked. */
function firstStage(change: boolean) {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const role = defineRole('first', async function* () {
    await held;
    if (change) yield command({ name: 'change on a', cmd: 'change-a' });
  });
  return { role, release };
}

/** On host b: reads x, then an operation, then reads y, then another operation, each named by what it read. */
const laterRole: Role = defineRole('later', async function* (h) {
  const x = await h.fact(X);
  yield command({ name: `first op (x=${x})`, cmd: 'apply-1', unless: 'probe-1' });
  const y = await h.fact(Y);
  yield command({ name: `second op (y=${y})`, cmd: 'apply-2', unless: 'probe-2' });
});

function hosts() {
  const state = { x: 'old' };
  const a = new FakeConnector('a').on(/^change-a$/, () => {
    state.x = 'new';
    return {};
  });
  const b = new FakeConnector('b')
    .on(/^read-x$/, () => ({ stdout: state.x }))
    .on(/^read-y$/, { stdout: 'why' })
    .on(/^probe-[12]$/, {});
  return { a, b };
}

function playbook(first: Role, readAhead: boolean): Playbook {
  return {
    name: 'test',
    readAhead,
    stages: [
      { name: 'one', hosts: ['a'], roles: [first] },
      { name: 'two', hosts: ['b'], roles: [laterRole] },
    ],
  };
}

const ran = (c: FakeConnector) => c.commands.map((x) => x.command);

/** Starts the run; resolves once host b has read ahead both of its facts, with the means to let stage one go on. */
async function heldAfterReadingAhead(change: boolean) {
  const { a, b } = hosts();
  const first = firstStage(change);
  const run = runPlaybook(playbook(first.role, true), { connectors: { a, b } });
  await vi.waitFor(() => expect(ran(b)).toEqual(['read-x', 'read-y']));
  return { a, b, finish: () => (first.release(), run) };
}

describe('read-ahead', () => {
  it('reads every fact a later role reads while the first stage runs, and runs none of its operations early', async () => {
    // Both reads, the one after the role's first operation too: the role is walked as if each operation found its target state.
    const { b, finish } = await heldAfterReadingAhead(false);
    const r = await finish();
    expect(r.exitCode).toBe(0);
    // In its stage the role reads nothing again: only its operations' own checks run.
    expect(ran(b)).toEqual(['read-x', 'read-y', 'probe-1', 'probe-2']);
    expect(r.results.filter((x) => x.host === 'b').map((x) => [x.task, x.status])).toEqual([
      ['first op (x=old)', 'ok'],
      ['second op (y=why)', 'ok'],
    ]);
  });

  it('forgets what it read once anything changed, so a later role sees the state after the change', async () => {
    const { a, b, finish } = await heldAfterReadingAhead(true);
    const r = await finish();
    expect(ran(a)).toEqual(['change-a']);
    // x and y read again in stage two, after the change on a.
    expect(ran(b)).toEqual(['read-x', 'read-y', 'read-x', 'probe-1', 'read-y', 'probe-2']);
    expect(r.results.find((x) => x.host === 'b')!.task).toBe('first op (x=new)');
  });

  it('reads nothing of a later stage before it starts when the playbook does not ask for it', async () => {
    const { a, b } = hosts();
    const first = firstStage(false);
    const run = runPlaybook(playbook(first.role, false), { connectors: { a, b } });
    await new Promise((r) => setTimeout(r, 50));
    expect(ran(b)).toEqual([]);
    first.release();
    await run;
    expect(ran(b)).toEqual(['read-x', 'probe-1', 'read-y', 'probe-2']);
  });

  it('a read that fails ahead is not kept: the role reads again in its stage and reports its own error', async () => {
    const { a } = hosts();
    let calls = 0;
    const b = new FakeConnector('b')
      .on(/^read-x$/, () => (++calls === 1 ? { code: 1, stderr: 'not yet' } : { stdout: 'later' }))
      .on(/^read-y$/, { stdout: 'why' })
      .on(/^probe-[12]$/, {});
    const first = firstStage(false);
    const run = runPlaybook(playbook(first.role, true), { connectors: { a, b } });
    await vi.waitFor(() => expect(calls).toBe(1));
    first.release();
    const r = await run;
    expect(r.results.find((x) => x.host === 'b')!.task).toBe('first op (x=later)');
  });
});
