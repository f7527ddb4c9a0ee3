/**
 * Shell commands that take one member out of a Patroni 3.0 cluster (m1
 * remove-node), run as root. Pure.
 *
 * What Patroni does by itself, read in its source (v3.0.2): a clean stop of
 * a replica's Patroni (not paused) stops its Postgres and writes its member
 * key once more with state "stopped" (ha.py shutdown -> touch_member); the
 * key is not deleted but lives on its etcd lease, which nobody keeps alive
 * any more, so it goes `ttl` seconds later (dcs/etcd3.py). Once the key is
 * gone the leader drops the member's slot on its next loop, unless the slot
 * is permanent (dcs/__init__.py get_replication_slots): m1 makes every
 * member's slot permanent, so it must leave the DCS's `slots` first. A
 * replica whose `replicatefrom` names a member that left falls back to the
 * leader (ha.py _get_node_to_follow); one told another upstream follows it
 * after a reload (SIGHUP rereads the tags).
 */
import { argv, quote } from '../../engine/shell/quote.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { waitStreamingFromCommand } from '../postgres/streamingWait.js';
import { patronictlListCommand } from './patronictl.js';
import { patroniConfigPath, patroniServiceName } from './settings.js';

/** How long a downstream replica may take to stream from its new upstream after the reload (a loop, a WAL receiver restart). */
export const FOLLOW_WAIT_S = 90;

/**
 * On a running replica: its patroni.yml's `replicatefrom` tag names `upstream`
 * (the leader's name makes it follow the leader, as no tag would), Patroni
 * reloaded, then waited for until its WAL receiver streams from `address`
 * (the upstream's connect address, which Patroni writes into
 * primary_conninfo). The next deploy writes the file as config.yml says.
 */
export function followCommand(cluster: Cluster, upstream: string, address: string, waitS = FOLLOW_WAIT_S): string {
  const file = patroniConfigPath(cluster);
  return (
    `f=${quote(file)}\n` +
    `grep -Eq '^[[:space:]]*replicatefrom:' "$f" || { echo "$f has no replicatefrom tag: this replica does not follow another replica" >&2; exit 1; }\n` +
    `sed -i -E ${quote(`s/^([[:space:]]*)replicatefrom:.*$/\\1replicatefrom: ${upstream}/`)} "$f" || exit 1\n` +
    `systemctl reload ${quote(`${patroniServiceName(cluster)}.service`)} || exit 1\n` +
    waitStreamingFromCommand(cluster.postgresVersion, address, `${upstream} (${address})`, waitS)
  );
}

/** patronictl edit-config, without an editor or a prompt, quiet: `-s path=null` deletes the key. */
export function patronictlDeleteConfigKeyCommand(cluster: Cluster, path: string): string {
  return argv('patronictl', '-c', patroniConfigPath(cluster), 'edit-config', '--force', '--quiet', '-s', `${path}=null`);
}

/** Prints `listed` or `gone` for `member` from `patronictl list -f json`'s output on stdin, nothing when that is not JSON (python3 is Patroni's own interpreter). */
export function listsMemberCommand(member: string): string {
  const py = 'import json,sys; print("listed" if any(m.get("Member") == sys.argv[1] for m in json.load(sys.stdin)) else "gone")';
  return argv('python3', '-c', py, member);
}

/**
 * On the leader, once the member is stopped: its permanent slot leaves the
 * DCS configuration (else the leader keeps it for good), then wait until
 * its member key has expired from the DCS (at most `ttl` after its last
 * refresh, plus a loop). Exit 0 when neither is left (also on a rerun).
 */
export function forgetMemberCommand(cluster: Cluster, member: Instance, slot: string, waitS: number): string {
  return (
    `${patronictlDeleteConfigKeyCommand(cluster, `slots.${slot}`)} || exit 1\n` +
    `i=0; while :; do\n` +
    `  l=$(${patronictlListCommand(cluster)}) || exit 1\n` +
    `  case $(printf '%s' "$l" | ${listsMemberCommand(member.name)}) in gone) exit 0;; listed) ;; *) echo "patronictl list: unexpected output" >&2; exit 1;; esac\n` +
    `  i=$((i+1)); [ $i -ge ${waitS} ] && { echo "the DCS still lists ${member.name} after ${waitS} s (is its Patroni still running?)" >&2; exit 1; }\n` +
    `  sleep 1\n` +
    'done'
  );
}
