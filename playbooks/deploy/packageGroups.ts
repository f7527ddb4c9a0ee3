/** What `m1 deploy --skip-packages` accepts: the groups of packages a deploy installs. */
export const DEPLOY_PACKAGE_GROUPS: readonly string[] = ['postgres', 'repmgr', 'barman', 'pgbouncer', 'efm', 'patroni', 'etcd', 'haproxy'];
