/**
 * Patroni's view of its cluster from the local REST API: GET /cluster (the
 * members as the DCS holds them: what `patronictl list` shows, without its
 * 1-2.5 s of Python) and GET /patroni (this member's own state, current: a
 * demoted leader stays "stopped" in the DCS for up to a loop_wait after it
 * runs again).
 */
import type { Fact } from '../fact.js';
import { capturedLine, parseCaptured, type Captured } from '../protocol.js';

const curl = (port: number, path: string) => `curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${port}${path}`;

export function patroniCluster(restPort: number): Fact<Captured | undefined> {
  return {
    key: 'patroni',
    read: { shell: capturedLine('patroni', curl(restPort, '/cluster')) },
    parse: (lines) => (lines[0] ? parseCaptured(lines[0].value) : undefined),
  };
}

export function patroniSelf(restPort: number): Fact<Captured | undefined> {
  return {
    key: 'patroniself',
    read: { shell: capturedLine('patroniself', curl(restPort, '/patroni')) },
    parse: (lines) => (lines[0] ? parseCaptured(lines[0].value) : undefined),
  };
}
