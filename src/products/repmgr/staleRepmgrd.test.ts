import { describe, expect, it } from 'vitest';
import { parseNodeEvents, parseStartedAt, staleRepmgrd, unseenPromotion } from './staleRepmgrd.js';

describe("a standby's repmgrd that still watches a promoted upstream as a standby", () => {
  // node 4 (marlin) promoted at ...060; node 5 (minnow) cascaded from it and never followed; node 2 (herring) followed it at ...062.
  const events = parseNodeEvents(['4|1796000060|1796000001', '5||', '2||1796000062', ' 1|1796000000| ', 'garbage', '']);
  const stale = (startedAt: number | undefined, me: number, upstream: number, name: string) => {
    const promoted = unseenPromotion(me, upstream, events);
    return promoted === undefined ? undefined : staleRepmgrd(startedAt, promoted, name);
  };

  it("reads each node's last promotion and last follow or rejoin, and when repmgrd started", () => {
    expect(events.get(4)).toEqual({ promoted: 1796000060, followed: 1796000001 });
    expect(events.get(5)).toEqual({});
    expect(events.get(2)).toEqual({ followed: 1796000062 });
    expect(events.get(1)).toEqual({ promoted: 1796000000 });
    expect(parseStartedAt('1796000010\n')).toBe(1796000010);
    expect(parseStartedAt('')).toBeUndefined();
  });

  it('is restarted when it started before (or in the same second as) its upstream was promoted and has not followed since', () => {
    expect(unseenPromotion(5, 4, events)).toBe(1796000060);
    expect(stale(1796000010, 5, 4, 'marlin')).toBe('it started before marlin was promoted and still watches it as a standby, so it would not take part in the next election');
    expect(stale(1796000060, 5, 4, 'marlin')).toBeDefined();
  });

  it('is left alone when it followed the new primary (a failover or switchover sibling), started after, its upstream was never promoted, or it does not run', () => {
    expect(unseenPromotion(2, 4, events)).toBeUndefined();
    expect(stale(1796000010, 2, 4, 'marlin')).toBeUndefined();
    expect(stale(1796000061, 5, 4, 'marlin')).toBeUndefined();
    expect(unseenPromotion(5, 3, events)).toBeUndefined();
    expect(stale(undefined, 5, 4, 'marlin')).toBeUndefined();
  });
});
