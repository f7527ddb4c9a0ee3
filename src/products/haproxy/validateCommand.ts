/**
 * `haproxy -c`: parse a configuration without running it (exit 0 when valid).
 * m1 never reloads HAProxy with a config that fails this: the new content is
 * written beside the live file, checked, and only then moved into place.
 */
import { argv } from '../../engine/shell/quote.js';
import { HAPROXY_CONFIG_PATH } from './config.js';

/** Where a new configuration waits for its check. */
export const HAPROXY_CANDIDATE_PATH = `${HAPROXY_CONFIG_PATH}.m1-new`;

export function haproxyValidateCommand(path: string = HAPROXY_CANDIDATE_PATH): string {
  return argv('haproxy', '-c', '-q', '-f', path);
}
