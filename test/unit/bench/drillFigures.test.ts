import { describe, expect, it } from 'vitest';
import { followAfterPromoteS } from '../../../playbooks/bench/drillFigures.js';
import { median, medians } from '../../../playbooks/bench/benchCluster.js';

describe('bench:drill figures', () => {
  it("the slowest following write entry point, counted from the promotion; reads and entry points that never followed are left out", () => {
    // Recorded: the repmgr partition drill (the struck primary's PgBouncer never follows: it is cut off).
    const r = {
      promote_s: 21.126,
      entry_points: [
        { host: 'holly', port: 6432, follow_s: null },
        { host: 'juniper', port: 6432, follow_s: 22.234 },
        { host: 'linden', port: 6432, follow_s: 22.569 },
        { host: 'maple', port: 6432, follow_s: 22.716 },
      ],
    };
    expect(followAfterPromoteS(r, [6432])).toBe(1.59);
    expect(followAfterPromoteS({ ...r, entry_points: [...r.entry_points, { host: 'x', port: 5433, follow_s: 40 }] }, [6432])).toBe(1.59);
    expect(followAfterPromoteS({ ...r, promote_s: null }, [6432])).toBeNull();
    expect(followAfterPromoteS({ ...r, entry_points: [{ host: 'holly', port: 6432, follow_s: null }] }, [6432])).toBeNull();
  });

  it('the median of 3 is the middle value; of an even count the lower middle; none for nothing', () => {
    expect(median([29.2, 23.1, 27.0])).toBe(27.0);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([])).toBeNull();
  });

  it('medians per key skip the runs that recorded no number for it (a refused or failed run)', () => {
    const runs = [{ promote_s: 21, fence_s: 4.6 }, { error: 'refused: the cluster is not healthy' }, { promote_s: 25, fence_s: null }, { promote_s: 20, fence_s: 5 }];
    expect(medians(runs, ['promote_s', 'fence_s', 'heal_s'])).toEqual({ promote_s: 21, fence_s: 4.6, heal_s: null });
  });
});
