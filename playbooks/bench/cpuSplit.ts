/**
 * Where a timed run's CPU went: m1's own process against the whole machine
 * (sshd, the shells and the services of the hosts, which share its cores).
 * On a 2-core machine a run is bound by whichever side needs more.
 */
import { cpus } from 'node:os';

export interface CpuSample {
  /** This process, user + system, ms. */
  processMs: number;
  /** Every core's busy time (user, nice, system, irq), ms. */
  machineMs: number;
}

export interface CpuSplit {
  m1_cpu_ms: number;
  /** Busy time of everything else on the machine meanwhile. */
  others_cpu_ms: number;
}

export function sampleCpu(): CpuSample {
  const u = process.cpuUsage();
  return { processMs: (u.user + u.system) / 1000, machineMs: machineBusyMs(cpus()) };
}

export function machineBusyMs(list: readonly { times: { user: number; nice: number; sys: number; irq: number } }[]): number {
  return list.reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

/** The split between two samples; the machine's counters tick in 10 ms steps, so "others" never goes below 0. */
export function cpuSplit(before: CpuSample, after: CpuSample): CpuSplit {
  const m1 = after.processMs - before.processMs;
  const machine = after.machineMs - before.machineMs;
  return { m1_cpu_ms: Math.round(m1), others_cpu_ms: Math.max(0, Math.round(machine - m1)) };
}

/**
 * The least wall time a run could have taken on `cores` cores given the CPU
 * it used (m1's and everything else's): a run that kept every core busy
 * cannot go faster without using less CPU.
 */
export function leastWallMs(split: CpuSplit, cores: number): number {
  if (!Number.isInteger(cores) || cores < 1) throw new RangeError(`cores: ${cores}`);
  return Math.round((split.m1_cpu_ms + split.others_cpu_ms) / cores);
}
