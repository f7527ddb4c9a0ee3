/**
 * HAProxy's server states carried across a reload. A reload starts a new
 * worker which, without them, takes every server for UP until its first
 * check (HAProxy 2.6 shows "UP 1/2, INI"; `init-state` only came in 3.1):
 * for up to a check interval the write frontend balances new connections
 * over every data node, a write lands on a replica, and when the replica is
 * marked down a moment later its session is cut (on-marked-down
 * shutdown-sessions). Seen in m1 upgrade's e2e: a client writing through the
 * HAProxy whose package was upgraded (the package's postinst reloads it) got
 * "server closed the connection unexpectedly" right after the reload.
 *
 * HAProxy's own remedy: the states saved (`show servers state` on the admin
 * socket) right before the reload, loaded by the new worker
 * (`server-state-file` + `load-server-state-from-file global`). m1's drop-in
 * for haproxy.service makes every reload save them first (deploy's, a
 * package upgrade's invoke-rc.d, a person's `systemctl reload`), and every
 * start remove them: a stale state (an old leader UP) is never loaded. The
 * save never fails a reload: without a file the new worker does as before.
 * The saver is Perl (perl-base is Essential in Debian; no socat there).
 */
/** The admin socket haproxy.cfg opens (stats socket). */
export const HAPROXY_ADMIN_SOCKET = '/run/haproxy/admin.sock';
/** On tmpfs: gone after a reboot too. */
export const HAPROXY_STATE_FILE = '/run/haproxy/m1-server-state';
export const HAPROXY_SAVE_STATE_PATH = '/usr/local/sbin/m1-haproxy-save-state';
export const HAPROXY_DROPIN_DIR = '/etc/systemd/system/haproxy.service.d';
export const HAPROXY_DROPIN_PATH = `${HAPROXY_DROPIN_DIR}/m1-server-state.conf`;

/**
 * `m1-haproxy-save-state <admin socket> <file>`: the states written to the
 * file (atomically), or no file at all when HAProxy did not answer with a
 * version-1 state dump. Always exits 0.
 */
export function saveStateScript(): string {
  return `#!/usr/bin/perl
# Written by m1 (\`m1 deploy\`): run by haproxy.service right before each reload (see
# ${HAPROXY_DROPIN_PATH}). Saves the servers' states so that the new worker starts knowing
# which server is up (the Patroni leader) instead of taking every server for up until
# its first check. Never fails the reload: without the file HAProxy starts as before.
use strict;
use warnings;
use IO::Socket::UNIX;

my ($socket, $file) = @ARGV;
exit 0 unless defined $socket && defined $file;
unlink $file;
my $s = IO::Socket::UNIX->new(Peer => $socket) or exit 0;
print $s "show servers state\\n";
my $state = do { local $/; <$s> };
close $s;
exit 0 unless defined $state && $state =~ /\\A1\\n/;
open(my $f, '>', "$file.tmp") or exit 0;
print $f $state;
close $f or exit 0;
rename "$file.tmp", $file;
exit 0;
`;
}

/**
 * The drop-in: Debian's two ExecReload lines (check the file, USR2 to the
 * master) with the save between them, and the stale state removed before a
 * start. `-`: a failure of either is no failure of the unit.
 */
export function haproxyDropIn(): string {
  return [
    '# Written by m1 (`m1 deploy`): HAProxy keeps its servers\' states across a reload',
    `# (${HAPROXY_SAVE_STATE_PATH}; haproxy.cfg loads them from ${HAPROXY_STATE_FILE}).`,
    '[Service]',
    `ExecStartPre=-/bin/rm -f ${HAPROXY_STATE_FILE}`,
    'ExecReload=',
    'ExecReload=/usr/sbin/haproxy -Ws -f $CONFIG -c -q $EXTRAOPTS',
    `ExecReload=-${HAPROXY_SAVE_STATE_PATH} ${HAPROXY_ADMIN_SOCKET} ${HAPROXY_STATE_FILE}`,
    'ExecReload=/bin/kill -USR2 $MAINPID',
    '',
  ].join('\n');
}
