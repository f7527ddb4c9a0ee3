/**
 * Which of several servers running as primary is THE primary (split brain:
 * typically a failed primary that came back after a failover). A promotion
 * starts a new timeline, so the newest timeline wins: the LIVE one (pgNode's
 * `timeline`, from the WAL the server writes now), never pg_control's, which
 * keeps the old timeline until the first checkpoint after a promotion and
 * would make a just-promoted server look older than the one it replaced.
 * Ties go to config.yml's primary, then to the lowest node number.
 */
export interface PrimaryCandidate {
  name: string;
  /** The live timeline; undefined when the server did not tell (ranks lowest). */
  timeline?: number;
  /** config.yml names it primary. */
  configured: boolean;
  /** Its node number in config.yml. */
  node: number;
}

export function choosePrimary(candidates: readonly PrimaryCandidate[]): string | undefined {
  const rank = (c: PrimaryCandidate) => [c.timeline ?? 0, c.configured ? 1 : 0, -c.node];
  const best = [...candidates].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let k = 0; k < ra.length; k++) if (ra[k] !== rb[k]) return rb[k]! - ra[k]!;
    return 0;
  })[0];
  return best?.name;
}
