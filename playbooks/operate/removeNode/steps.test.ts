import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dropSlotCommand, SLOT_RELEASE_S, stopUnitsCommand } from './steps.js';

/** sh -n: the command parses as a shell script. */
function parses(cmd: string): boolean {
  execFileSync('sh', ['-n', '-c', cmd]);
  return true;
}

describe('remove-node step commands', () => {
  it('stops and disables each unit that exists, in order, failing on the first that does not stop', () => {
    const cmd = stopUnitsCommand(['m1-fence', 'repmgr', 'postgres', 'pgbouncer']);
    expect(cmd).toContain("for u in m1-fence.service repmgr.service postgres.service pgbouncer.service; do");
    expect(cmd).toContain('if systemctl cat "$u" >/dev/null 2>&1; then systemctl disable --now "$u"');
    expect(cmd).toContain('exit 1');
    expect(parses(cmd)).toBe(true);
  });

  it('drops the slot once inactive, waiting for the walsender of a node just stopped; gone or never there is done', () => {
    const cmd = dropSlotCommand(15, 'repmgr_slot_4');
    for (const part of ['pg_drop_replication_slot(slot_name)', 'AND NOT active', 'SELECT count(*) FROM pg_replication_slots', 'repmgr_slot_4', '/usr/lib/postgresql/15/bin/psql']) expect(cmd).toContain(part);
    expect(parses(cmd)).toBe(true);
    expect(cmd).toContain(`[ $i -ge ${SLOT_RELEASE_S} ]`);
  });

  it('runs: the slot held for a moment is dropped on a later try (exit 0); psql failing fails the step at once', () => {
    // runuser stands in for psql as postgres: the count query answers 1 twice (still held), then 0.
    const fake = (countAnswers: string) =>
      `n_file=$(mktemp); printf '%s' '${countAnswers}' > "$n_file"\n` +
      'runuser() { case "$*" in *count*) a=$(cut -c1 "$n_file"); cut -c2- "$n_file" > "$n_file.x"; mv "$n_file.x" "$n_file"; [ "$a" = x ] && return 1; echo "$a";; *) :;; esac; }\n';
    const cmd = dropSlotCommand(15, 'repmgr_slot_4');
    expect(execFileSync('sh', ['-c', `${fake('110')}${cmd}`], { timeout: 10_000 }).toString()).toBe('');
    let code = 0;
    try {
      execFileSync('sh', ['-c', `${fake('x')}${cmd}`], { timeout: 10_000, stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(1);
  });
});
