/** `m1 status` for people: the hosts table, the manager's view, entry points, Barman, then warnings and problems. */
import { MANAGERS } from '../../roles/managers.js';
import type { ClusterStatus } from './health.js';
import { formatBytes } from '../../src/products/postgres/lsn.js';
import { ageOf } from './manyClusters.js';
import { renderTable } from './table.js';

export function formatStatus(s: ClusterStatus, now = new Date()): string {
  const out: string[] = [];
  const primary = s.primary ? `primary ${s.primary}${s.timeline !== undefined ? ` (timeline ${s.timeline})` : ''}` : s.primaries.length > 1 ? `${s.primaries.length} primaries: ${s.primaries.join(', ')}` : 'no primary';
  const failover = s.failover.state === 'paused' ? '; automatic failover PAUSED' : s.failover.state === 'mixed' ? '; automatic failover PAUSED ON SOME MEMBERS' : '';
  out.push(`cluster ${s.cluster}: PostgreSQL ${s.postgresVersion}, ${s.failoverManager}; ${primary}${failover}\n`);
  out.push(
    renderTable(
      ['host', 'role', 'upstream', 'replication', 'lag', 'services'],
      s.hosts.map((h) => [
        h.host,
        [h.live ?? (h.reachable ? '' : 'unreachable'), ...h.otherRoles].filter(Boolean).join(', '),
        h.upstream ?? '',
        h.replication ?? (h.live === 'primary' ? '-' : ''),
        h.lagBytes !== undefined ? formatBytes(h.lagBytes) : '',
        h.reachable
          ? Object.entries(h.services).map(([u, st]) => (st === 'active' ? u : `${u} ${st.toUpperCase()}`)).join(' ')
          : h.notReadWithinS !== undefined || h.error?.startsWith('unreachable')
            ? (h.error ?? '')
            : `unreachable${h.error ? `: ${h.error}` : ''}`,
      ]),
    ),
  );
  const fm = s.fm;
  // The manager's per-node daemon (repmgrd), when it has one.
  const daemon = MANAGERS[fm.manager].daemonColumn;
  // repmgr without a replica does not run (repmgrEnabled): said, not asked for.
  const says = fm.primary ? `primary ${fm.primary}` : fm.from ? 'no primary' : fm.idle ? 'not run (no replica to fail over to)' : 'no node answered (is it installed and running?)';
  out.push(`\n${fm.manager}${fm.from ? ` (as seen from ${fm.from})` : ''}: ${says}\n`);
  if (fm.nodes.length > 0) {
    out.push(
      renderTable(
        ['node', 'role', 'state', 'upstream', ...(daemon ? [daemon] : [])],
        fm.nodes.map((n) => [n.name, n.role, n.state, n.upstream ?? '', ...(daemon ? [n.daemon ?? ''] : [])]),
      ).replace(/^(?=.)/gm, '  '),
    );
  }
  if (s.routes.length > 0) {
    out.push('\nentry points:\n');
    out.push(
      renderTable(
        ['entry point', 'for', 'sends to', 'client reaches', 'ok'],
        s.routes.map((r) => [`${r.kind} ${r.host}:${r.port}`, r.wants === 'primary' ? 'writes' : 'reads', r.configuredTarget ?? '', r.reaches ?? '', r.ok ? 'yes' : `NO: ${r.detail}`]),
      ).replace(/^(?=.)/gm, '  '),
    );
  }
  if (s.slots.length > 0) {
    out.push(`\nreplication slots on ${s.slots[0]!.host}:\n`);
    out.push(
      renderTable(
        ['slot', 'active', 'WAL held'],
        s.slots.map((sl) => [sl.name, sl.active ? 'yes' : 'NO', sl.heldBytes !== undefined ? formatBytes(sl.heldBytes) : '-']),
      ).replace(/^(?=.)/gm, '  '),
    );
  }
  if (s.certificates && s.certificates.length > 0) {
    out.push(`\ncertificates (valid until; deploy renews a host's within 30 days of it):\n`);
    out.push(renderTable(['of', 'valid until', 'days left'], s.certificates.map((c) => [c.host === 'ca' ? 'cluster CA' : c.host, c.notAfter, String(c.daysLeft)])).replace(/^(?=.)/gm, '  '));
  }
  for (const b of s.barman) {
    const last = b.lastBackup ? `last backup ${b.lastBackup.id} ${b.lastBackup.status}${b.lastBackup.timeline !== undefined ? ` timeline ${b.lastBackup.timeline}` : ''} ${ageOf(b.lastBackup.endTime, now)}`.trimEnd() : 'no backup';
    const check =
      b.checkCutAfterS !== undefined ? `check not finished after ${b.checkCutAfterS} s` : b.check ? (b.check.ok ? 'check OK' : `check FAILED: ${b.check.failed.join('; ')}`) : 'check not run';
    out.push(`\nbarman ${b.server} on ${b.host}: backs up ${b.target ?? '(no conf)'}; ${b.backups} backup${b.backups === 1 ? '' : 's'}, ${last}; ${check}\n`);
  }
  if (s.drift.length > 0) out.push(`\ndrift from config.yml:\n${s.drift.map((d) => `  warning: ${d}\n`).join('')}`);
  if (s.warnings.length > 0) out.push(`\n${s.warnings.map((w) => `warning: ${w}\n`).join('')}`);
  out.push(s.healthy ? '\nhealthy\n' : `\nDEGRADED:\n${s.problems.map((p) => `  - ${p}\n`).join('')}`);
  return out.join('');
}
