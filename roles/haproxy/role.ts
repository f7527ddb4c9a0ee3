/**
 * The haproxy role as an engine role (plan.ts's steps): a changed
 * configuration goes to a candidate file beside the live one, `haproxy -c`
 * checks it, and only then is it moved into place and HAProxy reloaded
 * (Debian's unit reloads without dropping connections). A failed check stops
 * the role with the live configuration and HAProxy untouched.
 */
import type { DeployContext } from '../context.js';
import { restartHaproxyCommand } from '../../src/products/haproxy/restartCommand.js';
import { command, defineRole, directory, file, flushHandlers, packages, reload, service, waitUntil, type Role } from '../../src/engine/index.js';
import { quote } from '../../src/engine/shell/quote.js';
import { instanceByName } from '../../src/inventory/cluster.js';
import { HAPROXY_PACKAGES, HAPROXY_BACKENDS, HAPROXY_CONFIG_PATH, HAPROXY_SERVICE, haproxyConfig, haproxyPorts } from '../../src/products/haproxy/config.js';
import { HAPROXY_CANDIDATE_PATH, haproxyValidateCommand } from '../../src/products/haproxy/validateCommand.js';
import { HAPROXY_DROPIN_DIR, HAPROXY_DROPIN_PATH, HAPROXY_SAVE_STATE_PATH, haproxyDropIn, saveStateScript } from '../../src/products/haproxy/serverState.js';
import { clusterCaFileOps } from '../clusterCaFile.js';

/**
 * Exits 0 when a socket listens on every `<address>:<port>` HAProxy binds.
 * (`ss -p` cannot name HAProxy's process here: its worker's fds are not
 * readable without CAP_SYS_PTRACE, so the exact local address tells.)
 */
export function listensCommand(bindAddress: string, ports: readonly number[]): string {
  const local = (p: number) => (bindAddress.includes(':') ? `[${bindAddress}]:${p}` : `${bindAddress}:${p}`);
  return `l=$(ss -Hltn | awk '{print $4}') && ${ports.map((p) => `printf '%s\\n' "$l" | grep -qxF ${quote(local(p))}`).join(' && ')}`;
}

/**
 * Exits 0 when every server of the Patroni backends has a state that follows
 * its last check: UP after a passing one (L7OK), DOWN after a failing one.
 * Servers rising or falling ("UP 1/2", "DOWN 1/3") or not checked yet
 * (HAProxy starts them UP) are not settled. Reads the CSV statistics:
 * field 18 is status, 37 check_status.
 */
export function settledCommand(statsPort: number, backends: readonly string[] = HAPROXY_BACKENDS): string {
  const names = backends.map((b) => b.replace(/[^A-Za-z0-9_-]/g, '')).join('|');
  const awk = `$1 ~ /^(${names})$/ && $2 != "BACKEND" { n++; if (!(($18 == "UP" && $37 == "L7OK") || ($18 == "DOWN" && $37 != "L7OK"))) bad++ } END { exit (n > 0 && bad == 0) ? 0 : 1 }`;
  return `curl -sf --noproxy '*' --max-time 2 ${quote(`http://127.0.0.1:${statsPort}/stats;csv`)} | awk -F, ${quote(awk)}`;
}

export function haproxyRole(ctx: DeployContext): Role {
  return defineRole('haproxy', async function* (h) {
    const instance = instanceByName(ctx.cluster, h.host)!;
    const want = haproxyConfig(ctx.cluster, instance);
    yield packages({ names: HAPROXY_PACKAGES, when: !ctx.skipPackages.has('haproxy') });
    // The CA the checks verify Patroni's certificates against (read when HAProxy starts or reloads, before its chroot).
    yield [
      ...clusterCaFileOps(ctx, h.host, reload(HAPROXY_SERVICE)),
    ];
    // Every reload saves the servers' states for the new worker (serverState.ts): in place before the configuration that loads them.
    yield [
      file({ name: HAPROXY_SAVE_STATE_PATH, path: HAPROXY_SAVE_STATE_PATH, content: saveStateScript(), owner: 'root', group: 'root', mode: '0755' }),
      directory({ path: HAPROXY_DROPIN_DIR, owner: 'root', group: 'root', mode: '0755' }),
    ];
    yield file({ path: HAPROXY_DROPIN_PATH, content: haproxyDropIn(), owner: 'root', group: 'root', mode: '0644' });
    const live = await h.facts.content(HAPROXY_CONFIG_PATH);
    if (live === null || live.toString('utf8') !== want) {
      yield file({ name: `${HAPROXY_CANDIDATE_PATH} (checked before use)`, path: HAPROXY_CANDIDATE_PATH, content: want, owner: 'root', group: 'root', mode: '0644' });
      yield command({ name: 'haproxy -c accepts the new configuration', cmd: haproxyValidateCommand(HAPROXY_CANDIDATE_PATH) });
      // The diff of the live file, then the move: the file op shows what changes and writes it atomically.
      yield file({ path: HAPROXY_CONFIG_PATH, content: want, owner: 'root', group: 'root', mode: '0644', notify: reload(HAPROXY_SERVICE) });
      yield command({ name: `remove ${HAPROXY_CANDIDATE_PATH}`, cmd: `rm -f -- ${quote(HAPROXY_CANDIDATE_PATH)}`, removes: HAPROXY_CANDIDATE_PATH });
    }
    yield service({ service: HAPROXY_SERVICE, enabled: true, state: 'started' });
    yield flushHandlers();
    // A reload whose new sockets cannot bind (another program held the port) still exits 0, and
    // HAProxy does not retry: look, restart once if it does not listen, and look again.
    const ports = haproxyPorts(ctx.cluster, instance);
    const listens = listensCommand(ports.bindAddress, [ports.writePort, ports.readPort]);
    yield command({
      name: `restart haproxy (not listening on ${ports.writePort} and ${ports.readPort})`,
      cmd: restartHaproxyCommand(HAPROXY_SERVICE),
      display: `systemctl restart ${HAPROXY_SERVICE}`,
      unless: listens,
    });
    yield waitUntil({
      name: `haproxy listens on ${ports.writePort} and ${ports.readPort}`,
      cmd: listens,
      timeoutMs: 10_000,
      intervalMs: 500,
    });
    yield waitUntil({
      name: 'every HAProxy server follows its Patroni health check',
      cmd: settledCommand(ports.statsPort),
      timeoutMs: 30_000,
      intervalMs: 500,
    });
  });
}
