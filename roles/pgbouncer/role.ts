/**
 * The PgBouncer role, on hosts with the `pgbouncer` role: PgBouncer on 6432
 * pooling for the host that is primary NOW, clients over TLS authenticated
 * with SCRAM through auth_query (see README.md).
 *
 * The databases file is written in exactly the form the repmgr promote hook
 * writes (one function renders both), as postgres 0600 like the hook's
 * `umask 077; cat > ...; mv`, so a deploy after a failover the hook already
 * followed changes nothing. A change there reloads PgBouncer (HUP, clients
 * stay connected); pgbouncer.ini or the unit restart it.
 *
 * Runs after the postgres role on the same host: it serves the host's TLS
 * pair (/etc/m1/ssl/<host>.{crt,key}) and relies on pgbouncer_get_auth and
 * pgbouncer_auth_user in the databases.
 */
import { pgbouncerTlsMarker, pgbouncerTlsReloadCommand } from '../../src/products/pgbouncer/tls.js';
import { sha256 } from '../../src/engine/operations/file.js';
import { RefusedError } from '../../src/errors.js';
import { command, defineFact, defineRole, directory, file, flushHandlers, packages, reload, restart, service, waitUntil, type Role } from '../../src/engine/index.js';
import { hasRole, instanceByName } from '../../src/inventory/cluster.js';
import { passwordOf, type DeployContext } from '../context.js';
import { scramVerifierReusing } from '../../src/secrets/scram.js';
import { effectivePrimary } from '../../src/inventory/liveTopology.js';
import { quote } from '../../src/engine/shell/quote.js';
import { sslCertPath, sslKeyPath } from '../../src/products/postgres/layout.js';
import { databasesIni, databasesTarget, pgbouncerDatabases } from '../../src/products/pgbouncer/databases.js';
import { splitPrimaryRefusal } from '../../src/live/primaryGuard.js';
import { pgbouncerIni } from '../../src/products/pgbouncer/ini.js';
import { DATABASES_INI, PGBOUNCER_DIR, PGBOUNCER_INI, PGBOUNCER_PORT, PGBOUNCER_SERVICE, PGBOUNCER_UNIT_PATH, PGBOUNCER_USER, USERLIST } from '../../src/products/pgbouncer/layout.js';
import { PGBOUNCER_NOTIFY_PROBE, PGBOUNCER_UNIT_IS_GENERATED, PGBOUNCER_UNIT_NOT_LOADED, STOP_SYSV_PGBOUNCER, parseNotifyProbe, pgbouncerServiceUnit, unitIsGenerated, unitIsLoaded } from '../../src/products/pgbouncer/service.js';
import { adminVerifierIn, userlistTxt } from '../../src/products/pgbouncer/userlist.js';
import { PGBOUNCER_HBA, pgbouncerHba } from '../../src/products/pgbouncer/hba.js';

export const PGBOUNCER_PACKAGES = ['pgbouncer'];

/** The databases file for the cluster's live primary: what deploy writes, and what the promote hook writes for itself. */
export function liveDatabasesIni(ctx: Pick<DeployContext, 'cluster' | 'live'>): string {
  return databasesIni(pgbouncerDatabases(ctx.cluster), effectivePrimary(ctx.cluster, ctx.live));
}

export function pgbouncerRole(ctx: DeployContext): Role {
  return defineRole('pgbouncer', async function* (h) {
    const { cluster } = ctx;
    const me = instanceByName(cluster, h.host);
    if (!me || !hasRole(me, 'pgbouncer')) return;
    const memoryMb = ctx.memoryMb[h.host];
    if (memoryMb === undefined) throw new Error(`no memory figure for ${h.host}: deploy gathers it before the roles run`);
    const authPassword = h.secret(passwordOf(ctx, 'pgbouncer_auth_user'));
    const adminPassword = h.secret(passwordOf(ctx, 'pgbouncer'));

    yield packages({ names: PGBOUNCER_PACKAGES, when: !ctx.skipPackages.has('pgbouncer') });

    const key = sslKeyPath(h.host);
    const crt = sslCertPath(h.host);
    // A certificate the postgres role replaced: PgBouncer rereads its TLS files on reload.
    const certSha = sha256(Buffer.from((ctx.tls?.hosts[h.host]?.cert ?? '') + (ctx.tls?.ca ?? '')));
    const changesBefore = h.changesSoFar();
    // What every check below reads, the notify probe included, in one command: a converged host costs one round trip here, not nine.
    const notifyProbe = defineFact('pgbouncer-notify', PGBOUNCER_NOTIFY_PROBE, (r) => parseNotifyProbe(r.stdout));
    await h.facts.prefetch([
      ...[DATABASES_INI, USERLIST].map((path) => ({ kind: 'content' as const, path })),
      ...[crt, key, pgbouncerTlsMarker(certSha), PGBOUNCER_DIR, PGBOUNCER_INI, DATABASES_INI, PGBOUNCER_HBA, USERLIST, PGBOUNCER_UNIT_PATH].map((path) => ({ kind: 'stat' as const, path })),
      { kind: 'service', unit: PGBOUNCER_SERVICE },
      { kind: 'fact', def: notifyProbe },
    ]);
    const notify = await h.fact(notifyProbe);
    const unitBefore = await h.facts.service(PGBOUNCER_SERVICE);
    const currentDatabases = await h.facts.content(DATABASES_INI);
    const refusal = splitPrimaryRefusal(ctx, `PgBouncer on ${h.host}`, currentDatabases ? databasesTarget(currentDatabases.toString('utf8')) : undefined, effectivePrimary(cluster, ctx.live));
    if (refusal) throw new RefusedError(refusal);

    // The admin verifier keeps the salt already on the host, so userlist.txt does not change between deploys.
    const existing = await h.facts.content(USERLIST);
    const adminVerifier = scramVerifierReusing(adminPassword, existing ? adminVerifierIn(existing.toString('utf8')) : undefined);
    h.secret(adminVerifier);

    // Only while the SysV script's generated unit is loaded (a first deploy; nothing afterwards).
    if (unitIsGenerated(unitBefore)) yield command({ name: "stop the package's SysV pgbouncer", cmd: STOP_SYSV_PGBOUNCER, onlyIf: PGBOUNCER_UNIT_IS_GENERATED });
    const pairPresent = ((await h.facts.stat(crt))?.size ?? 0) > 0 && ((await h.facts.stat(key))?.size ?? 0) > 0;
    yield [
      // The postgres role makes the pair; a clear error beats PgBouncer failing to start.
      ...(pairPresent ? [] : [waitUntil({ name: `TLS pair ${crt} present (postgres role)`, cmd: `test -s ${quote(crt)} && test -s ${quote(key)}`, timeoutMs: 1000 })]),
      directory({ path: PGBOUNCER_DIR, owner: PGBOUNCER_USER, group: PGBOUNCER_USER, mode: '0750' }),
      file({
        path: PGBOUNCER_INI,
        content: pgbouncerIni({ cluster, instance: me, memoryMb }),
        owner: PGBOUNCER_USER,
        group: PGBOUNCER_USER,
        mode: '0640',
        notify: restart(PGBOUNCER_SERVICE),
      }),
      file({
        path: DATABASES_INI,
        content: liveDatabasesIni(ctx),
        owner: PGBOUNCER_USER,
        group: PGBOUNCER_USER,
        mode: '0600',
        notify: reload(PGBOUNCER_SERVICE),
      }),
      file({ path: PGBOUNCER_HBA, content: pgbouncerHba(cluster), owner: PGBOUNCER_USER, group: PGBOUNCER_USER, mode: '0600', notify: reload(PGBOUNCER_SERVICE) }),
      file({
        path: USERLIST,
        content: userlistTxt(authPassword, adminVerifier),
        owner: PGBOUNCER_USER,
        group: PGBOUNCER_USER,
        mode: '0600',
        sensitive: true,
        notify: reload(PGBOUNCER_SERVICE),
      }),
      file({ path: PGBOUNCER_UNIT_PATH, content: pgbouncerServiceUnit({ notify }), owner: 'root', group: 'root', mode: '0644', notify: restart(PGBOUNCER_SERVICE) }),
    ];
    // systemd does not always see that m1's unit now shadows the package's (the generated one on Debian 11, /lib's seen on 12).
    // The state is read again only when the unit file was just written (writing it forgets the one read above).
    if (!unitIsLoaded(await h.facts.service(PGBOUNCER_SERVICE))) {
      yield command({ name: `systemd loads ${PGBOUNCER_UNIT_PATH}`, cmd: 'systemctl daemon-reload', onlyIf: PGBOUNCER_UNIT_NOT_LOADED });
    }
    yield service({ service: PGBOUNCER_SERVICE, enabled: true, state: 'started' });
    yield command({ name: `PgBouncer reads the certificate of ${h.host}`, cmd: pgbouncerTlsReloadCommand(certSha), creates: pgbouncerTlsMarker(certSha) });
    yield flushHandlers();
    // Listening on every address (the package's own configuration listens on 127.0.0.1 only). A PgBouncer
    // that was running before, with nothing changed since, listens as it did: the no-op leaves the check out.
    if (h.changesSoFar() !== changesBefore || unitBefore.activeState !== 'active') {
      yield waitUntil({ name: `pgbouncer listens on *:${PGBOUNCER_PORT}`, cmd: `ss -Hltn 'sport = :${PGBOUNCER_PORT}' | grep -q '0.0.0.0:${PGBOUNCER_PORT}'`, timeoutMs: 30_000 });
    }
  });
}
