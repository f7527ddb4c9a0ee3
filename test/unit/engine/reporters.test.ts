import { describe, expect, it } from 'vitest';
import { FakeConnector } from '../../../src/engine/connectors/fake.js';
import { command } from '../../../src/engine/operations/command.js';
import { file } from '../../../src/engine/operations/file.js';
import { runPlaybook } from '../../../src/engine/run/engine.js';
import { progressReporter, runningText } from '../../../src/engine/run/listrReporter.js';
import { plainReporter } from '../../../src/engine/run/plainReporter.js';
import { defineRole, type Playbook } from '../../../src/engine/run/playbook.js';

function playbook(): Playbook {
  const role = defineRole('r', (h) => [
    command({ name: 'step', cmd: h.host === 'b' ? 'fail' : 'true' }),
    file({ path: '/etc/x', content: 'new\n' }),
  ]);
  return { name: 'p', stages: [{ name: 'one', hosts: ['a', 'b'], roles: [role] }, { name: 'two', hosts: ['a', 'b'], roles: [role] }] };
}

function connectors() {
  return Object.fromEntries(
    ['a', 'b'].map((h) => [h, new FakeConnector(h).on(/^true$/, {}).on(/^fail$/, { code: 4, stderr: 'broken\n' }).on(/^set --; .*stat -c/, { stdout: '--m1-hashes--\n' }).on(/mv -f -- "\$t" \/etc\/x /, {})]),
  );
}

describe('progress output', () => {
  it('prints plain lines when not on a terminal: changes, diffs, failures, skipped stages, recap', async () => {
    const out: string[] = [];
    const r = await runPlaybook(playbook(), { connectors: connectors(), reporter: progressReporter({ tty: false, diff: true, write: (t) => out.push(t) }) });
    const text = out.join('');
    expect(text).toContain('stage one: a, b\n');
    expect(text).toContain('  changed  a r › file /etc/x\n    --- /dev/null\n    +++ /etc/x (after)\n');
    expect(text).toContain('  failed   b r › step: `fail` exited 4: broken\n');
    expect(text).toContain('  skipped  b - › stage two (host failed earlier in this run)\n');
    expect(text).toMatch(/recap \(\d+\.\d s\):\n    a     ok=0 changed=4 skipped=0 failed=0\n    b     ok=0 changed=0 skipped=1 failed=1\n/);
    expect(r.exitCode).toBe(1);
  });
  it('drives listr2 through stages with skipped and failed hosts without hanging', async () => {
    const out: string[] = [];
    const r = await runPlaybook(playbook(), { connectors: connectors(), reporter: progressReporter({ tty: true, write: (t) => out.push(t) }) });
    expect(r.exitCode).toBe(1);
    expect(out.join('')).toContain('failed:\n    b r › step: `fail` exited 4: broken\n');
  });

  it('long work: a step of 3 s or more gets a plain line with its time when it ends, even when nothing changed; on a terminal it shows its elapsed time while it runs', () => {
    const out: string[] = [];
    const rep = plainReporter({ write: (t) => out.push(t) });
    const op = { host: 'kaftan', stage: 'replicas', role: 'postgres', kind: 'command', commands: [] };
    rep.taskEnd!({ ...op, task: 'clone from kaboom', status: 'changed', durationMs: 12_340 });
    rep.taskEnd!({ ...op, task: 'wait until streaming', status: 'ok', durationMs: 4_000 });
    rep.taskEnd!({ ...op, task: 'quick check', status: 'ok', durationMs: 2_999 });
    rep.taskEnd!({ ...op, task: 'file /etc/x', status: 'changed', durationMs: 40 });
    expect(out.join('')).toBe(
      '  changed  kaftan postgres › clone from kaboom [12.3 s]\n' + '  ok       kaftan postgres › wait until streaming [4.0 s]\n' + '  changed  kaftan postgres › file /etc/x\n',
    );
    expect(runningText('postgres › clone from kaboom', 1000, 3500)).toBe('postgres › clone from kaboom');
    expect(runningText('postgres › clone from kaboom', 1000, 15_900)).toBe('postgres › clone from kaboom (running 14 s)');
  });
});
