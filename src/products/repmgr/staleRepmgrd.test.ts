import { describe, expect, it } from 'vitest';
import { parsePromotions, parseStartedAt, staleRepmgrd } from './staleRepmgrd.js';

describe("a standby's repmgrd that still watches a promoted upstream as a standby", () => {
  // node 4 (marlin) promoted at ...060; node 5 (minnow) cascaded from it and never followed; node 2 (herring) followed it at ...062.
  const events = parsePromotions(['4|1796000060|1796000001', '5||', '2||1796000062', ' 1|1796000000| ', 'garbage', '']);
  const marlin = { nodeId: 4, name: 'marlin' };

  it("reads each node's last promotion and last follow or rejoin, and when repmgrd started", () => {
    expect(events.get(4)).toEqual({ promoted: 1796000060, followed: 1796000001 });
    expect(events.get(5)).toEqual({});
    expect(events.get(2)).toEqual({ followed: 1796000062 });
    expect(events.get(1)).toEqual({ promoted: 1796000000 });
    expect(parseStartedAt('1796000010\n')).toBe(1796000010);
    expect(parseStartedAt('')).toBeUndefined();
  });

  it('is restarted when it started before (or in the same second as) its upstream was promoted and has not followed since', () => {
    expect(staleRepmgrd(1796000010, 5, marlin, events)).toBe('it started before marlin was promoted and still watches it as a standby, so it would not take part in the next election');
    expect(staleRepmgrd(1796000060, 5, marlin, events)).toBeDefined();
  });

  it('is left alone when it followed the new primary (a failover or switchover sibling), started after, its upstream was never promoted, or it does not run', () => {
    expect(staleRepmgrd(1796000010, 2, marlin, events)).toBeUndefined();
    expect(staleRepmgrd(1796000061, 5, marlin, events)).toBeUndefined();
    expect(staleRepmgrd(1796000010, 5, { nodeId: 3, name: 'mackerel' }, events)).toBeUndefined();
    expect(staleRepmgrd(undefined, 5, marlin, events)).toBeUndefined();
  });
});
