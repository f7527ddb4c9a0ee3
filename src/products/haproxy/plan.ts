/**
 * What a deploy does on one HAProxy node, as data (steps run in order on the
 * node; the first failure stops them): a changed configuration is written to
 * a candidate file, checked with `haproxy -c`, moved into place and HAProxy
 * reloaded (Debian's unit reloads without dropping connections: it checks the
 * file again, then sends USR2 to the master). A failed check leaves the live
 * configuration and HAProxy untouched.
 */
import { quote } from '../../engine/shell/quote.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { HAPROXY_CONFIG_PATH, HAPROXY_SERVICE, haproxyConfig } from './config.js';
import { HAPROXY_CANDIDATE_PATH, haproxyValidateCommand } from './validateCommand.js';

export interface HaproxyFacts {
  /** The live haproxy.cfg differs from the desired one (or is absent). */
  configDiffers: boolean;
  /** systemctl is-active haproxy. */
  active: boolean;
  enabled: boolean;
}

export type HaproxyStep =
  | { kind: 'write-file'; path: string; content: string; mode: number; why: string }
  | { kind: 'run'; command: string; why: string };

export function haproxyDeploySteps(cluster: Cluster, instance: Instance, facts: HaproxyFacts): HaproxyStep[] {
  const steps: HaproxyStep[] = [];
  if (facts.configDiffers) {
    steps.push(
      { kind: 'write-file', path: HAPROXY_CANDIDATE_PATH, content: haproxyConfig(cluster, instance), mode: 0o644, why: 'new configuration, checked before use' },
      { kind: 'run', command: haproxyValidateCommand(HAPROXY_CANDIDATE_PATH), why: 'HAProxy accepts it' },
      { kind: 'run', command: `mv -f ${quote(HAPROXY_CANDIDATE_PATH)} ${quote(HAPROXY_CONFIG_PATH)}`, why: 'put it in place' },
    );
  }
  if (!facts.enabled) steps.push({ kind: 'run', command: `systemctl enable ${HAPROXY_SERVICE}`, why: 'start at boot' });
  if (!facts.active) {
    steps.push({ kind: 'run', command: `systemctl start ${HAPROXY_SERVICE}`, why: 'HAProxy was stopped' });
  } else if (facts.configDiffers) {
    steps.push({ kind: 'run', command: `systemctl reload ${HAPROXY_SERVICE}`, why: 'apply the new configuration without dropping connections' });
  }
  return steps;
}
