import { describe, expect, it } from 'vitest';
import { cpuSplit, leastWallMs, machineBusyMs } from './cpuSplit.js';

describe('cpuSplit', () => {
  it('counts every core busy but idle and iowait', () => {
    const core = (user: number, sys: number) => ({ times: { user, nice: 1, sys, idle: 5000, irq: 2 } });
    expect(machineBusyMs([core(100, 50), core(10, 5)])).toBe(100 + 1 + 50 + 2 + 10 + 1 + 5 + 2);
  });
  it('gives m1 its own time and the rest of the machine what is left, never below 0', () => {
    expect(cpuSplit({ processMs: 1000, machineMs: 50_000 }, { processMs: 1600.4, machineMs: 52_000 })).toEqual({ m1_cpu_ms: 600, others_cpu_ms: 1400 });
    expect(cpuSplit({ processMs: 0, machineMs: 0 }, { processMs: 15, machineMs: 10 })).toEqual({ m1_cpu_ms: 15, others_cpu_ms: 0 });
  });
  it('bounds a run from below by its CPU spread over every core', () => {
    expect(leastWallMs({ m1_cpu_ms: 500, others_cpu_ms: 2300 }, 2)).toBe(1400);
    expect(leastWallMs({ m1_cpu_ms: 500, others_cpu_ms: 2300 }, 4)).toBe(700);
    expect(() => leastWallMs({ m1_cpu_ms: 1, others_cpu_ms: 1 }, 0)).toThrow(RangeError);
  });
});
