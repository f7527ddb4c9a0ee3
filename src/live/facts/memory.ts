/** The host's memory in MiB (MemTotal of /proc/meminfo), which sizes shared_buffers and friends. */
import type { Fact } from '../fact.js';
import { num } from '../protocol.js';

export const memory: Fact<number | undefined> = {
  key: 'mem',
  read: { shell: `echo "m1:mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"` },
  parse: (lines) => {
    const mb = num(lines[0]?.value.trim());
    return mb !== undefined && mb > 0 ? mb : undefined;
  },
};
