/**
 * What a host tells about repmgr when m1 reads it for status, switchover and
 * test: repmgr.nodes as that node has it, `repmgr cluster show --csv`, and
 * repmgrd's state. Data only; the reading's parser fills it.
 */

export interface RepmgrProbeNode {
  id: number;
  name: string;
  /** primary | standby | witness */
  type: string;
  upstreamId?: number;
  active: boolean;
}

/** A `repmgr cluster show --csv` row: connection 0 = reachable; recovery 0 = not in recovery, 1 = in recovery, -1 = unknown. */
export interface RepmgrShowRow {
  id: number;
  connection: number;
  recovery: number;
}

export interface RepmgrProbe {
  nodes: RepmgrProbeNode[];
  show: RepmgrShowRow[];
  daemonRunning?: boolean;
  paused?: boolean;
}
