import { describe, expect, it } from 'vitest';
import { drillExitCode, FOLLOW_WITHIN_S, lateEntryPoints, renderDrill, unreportedLoss, type DrillReport } from './report.js';

const ok: DrillReport = {
  scenario: 'crash-primary',
  method: 'docker-kill',
  detect_s: 0.3,
  promote_s: 14.2,
  fence_s: null,
  entry_points: [{ host: 'b', port: 6432, follow_s: 15.1, reached_s: 15.1 }],
  acked_writes: 180,
  acked_lost: 2,
  acked_lost_xids: ['1057', '1060'],
  rewound_xids: null,
  split_brain_s: 0,
  heal_s: 40.2,
  healthy_after: true,
};

describe('drill report', () => {
  it('has exactly the issue field names', () => {
    expect(Object.keys(ok).sort()).toEqual(
      ['scenario', 'method', 'detect_s', 'promote_s', 'fence_s', 'entry_points', 'acked_writes', 'acked_lost', 'acked_lost_xids', 'rewound_xids', 'split_brain_s', 'heal_s', 'healthy_after'].sort(),
    );
  });

  it('exit 1 on split brain, on lost acknowledged writes only under synchronous replication, and when not healthy after', () => {
    expect(drillExitCode(ok, false)).toEqual({ exitCode: 0, failures: [] });
    expect(drillExitCode(ok, true).exitCode).toBe(1);
    expect(drillExitCode({ ...ok, split_brain_s: 0.25 }, false).failures).toEqual(['two nodes took writes at once for 0.25 s']);
    expect(drillExitCode({ ...ok, healthy_after: false }, false).exitCode).toBe(1);
  });

  it('the table names every measure', () => {
    const t = renderDrill(ok);
    expect(t).toMatch(/^promoted +14\.2 s$/m);
    expect(t).toMatch(/^fenced +-$/m);
    expect(t).toMatch(/^entry point b:6432 +follows at 15\.1 s$/m);
    expect(renderDrill({ ...ok, entry_points: [{ host: 'b', port: 6432, follow_s: 40.2, reached_s: 15.1 }] })).toMatch(/^entry point b:6432 +follows at 40\.2 s \(first on the new primary at 15\.1 s\)$/m);
    expect(t).toMatch(/^rewound transactions +not reported$/m);
    expect(t).toMatch(/^lost writes not in the rewind report +1057, 1060$/m);
  });

  it('a lost write is accounted for when the rewind report names the transaction its client was told', () => {
    expect(unreportedLoss({ acked_lost_xids: ['1057', '1060'], rewound_xids: ['1055', '1057', '1060', '1061'] })).toEqual([]);
    expect(unreportedLoss({ acked_lost_xids: ['1057', '1060'], rewound_xids: ['1057'] })).toEqual(['1060']);
    expect(unreportedLoss({ acked_lost_xids: ['1057'], rewound_xids: null })).toEqual(['1057']);
    expect(renderDrill({ ...ok, rewound_xids: ['1057', '1060'] })).toMatch(/^lost writes not in the rewind report +none$/m);
    expect(renderDrill({ ...ok, acked_lost: 0, acked_lost_xids: [] })).not.toContain('lost writes not in');
  });

  it('an entry point on a surviving host is late when it first sent a client to the new primary more than the documented bound after the promotion, or never', () => {
    const r = {
      promote_s: 15,
      entry_points: [
        { host: 'struck', port: 6432, follow_s: null, reached_s: null },
        { host: 'b', port: 6432, follow_s: 48.9, reached_s: 16.4 },
        { host: 'c', port: 6432, follow_s: 15 + FOLLOW_WITHIN_S + 0.1, reached_s: 15 + FOLLOW_WITHIN_S + 0.1 },
        { host: 'd', port: 5433, follow_s: 0, reached_s: 0 },
        { host: 'e', port: 6432, follow_s: null, reached_s: null },
      ],
    };
    expect(lateEntryPoints(r, 'struck').map((e) => e.host)).toEqual(['c', 'e']);
    expect(lateEntryPoints(r, 'struck', 10).map((e) => e.host)).toEqual(['e']);
    expect(lateEntryPoints({ ...r, promote_s: null }, 'struck').map((e) => e.host)).toEqual(['b', 'c', 'd', 'e']);
  });
});
