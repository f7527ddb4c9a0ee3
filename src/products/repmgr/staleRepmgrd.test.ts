import { describe, expect, it } from 'vitest';
import { parsePromotions, parseStartedAt, staleRepmgrd } from './staleRepmgrd.js';

describe("a standby's repmgrd that still watches a promoted upstream as a standby", () => {
  const promotions = parsePromotions(['4|1796000060', ' 1|1796000000 ', 'garbage', '']);
  const marlin = { nodeId: 4, name: 'marlin' };

  it('reads the last promotion of each node and when repmgrd started', () => {
    expect([...promotions]).toEqual([[4, 1796000060], [1, 1796000000]]);
    expect(parseStartedAt('1796000010\n')).toBe(1796000010);
    expect(parseStartedAt('')).toBeUndefined();
  });

  it('is restarted when it started before (or in the same second as) its upstream was promoted', () => {
    expect(staleRepmgrd(1796000010, marlin, promotions)).toBe('it started before marlin was promoted and still watches it as a standby, so it would not take part in the next election');
    expect(staleRepmgrd(1796000060, marlin, promotions)).toBeDefined();
  });

  it('is left alone when it started after, when its upstream was never promoted, or when it does not run', () => {
    expect(staleRepmgrd(1796000061, marlin, promotions)).toBeUndefined();
    expect(staleRepmgrd(1796000010, { nodeId: 2, name: 'herring' }, promotions)).toBeUndefined();
    expect(staleRepmgrd(undefined, marlin, promotions)).toBeUndefined();
  });
});
