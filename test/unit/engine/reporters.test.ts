import { describe, expect, it } from 'vitest';
import { FakeConnector } from '../../../src/engine/connectors/fake.js';
import { command } from '../../../src/engine/operations/command.js';
import { file } from '../../../src/engine/operations/file.js';
import { runPlaybook } from '../../../src/engine/run/engine.js';
import { progressReporter } from '../../../src/engine/run/listrReporter.js';
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
});
