/**
 * Variables in config.yml are checked against their specs (src/config/variables.ts)
 * when the file is loaded: `m1 validate` (and deploy, before it touches a host)
 * names every refused value with file:line and YAML path and exits 2; the
 * values each file accepts still pass; `m1 validate --vars` is the reference.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { VARIABLES } from '../../../src/config/variables.js';
import { runCli, tempDir } from '../configure/helpers.js';

/** A small repmgr cluster; `clusterVars` and `alphaVars` are YAML lines (two-space indented) added to each. */
function config(clusterVars: string[], alphaVars: string[], betaVars: string[] = []): string {
  const indent = (lines: string[], n: number) => lines.map((l) => ' '.repeat(n) + l);
  return [
    'architecture: M1',
    'cluster_name: vars',
    'cluster_vars:',
    '  failover_manager: repmgr',
    '  postgres_version: 16',
    ...indent(clusterVars, 2),
    'locations:',
    '- Name: dc1',
    'instance_defaults:',
    '  platform: bare',
    'instances:',
    '- Name: alpha',
    '  location: dc1',
    '  node: 1',
    '  role: [primary]',
    '  ip_address: 10.33.0.2',
    '  vars:',
    '    ansible_user: root',
    ...indent(alphaVars, 4),
    '- Name: beta',
    '  location: dc1',
    '  node: 2',
    '  role: [replica]',
    '  upstream: alpha',
    '  ip_address: 10.33.0.3',
    '  vars:',
    '    ansible_user: root',
    ...indent(betaVars, 4),
    '',
  ].join('\n');
}

async function validate(text: string) {
  const dir = await tempDir();
  const file = join(dir, 'config.yml');
  await writeFile(file, text);
  const r = await runCli(['validate', dir]);
  return { ...r, file, lines: r.stderr.trimEnd().split('\n') };
}

describe('m1 validate refuses variables their spec refuses, every one with file:line', () => {
  it('numbers out of range or not numbers, words not in the list, mappings given as lists', async () => {
    const r = await validate(
      config(
        ['pgbouncer_pool_mode: bogus', 'etcd_client_port: "abc"', 'postgres_conf_settings:', '  - work_mem'],
        ['ansible_port: 70000', 'repmgr_use_slots: maybe'],
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.lines).toEqual([
      `${r.file}:6 cluster_vars.pgbouncer_pool_mode: expected one of session, transaction, statement, got "bogus"`,
      `${r.file}:7 cluster_vars.etcd_client_port: expected an integer from 1 to 65535, got "abc"`,
      `${r.file}:8 cluster_vars.postgres_conf_settings: expected a mapping of name: value, got a list`,
      `${r.file}:22 instances[0].vars.ansible_port: expected an integer from 1 to 65535, got 70000`,
      `${r.file}:23 instances[0].vars.repmgr_use_slots: expected true or false, got "maybe"`,
      'm1: 5 problems in the config; nothing was changed',
    ]);
  });

  it('free text bound for root-owned files: cron fields, account names, host names, addresses', async () => {
    const r = await validate(
      config(
        ['barman_backup_interval: "@reboot root touch /tmp/owned #"', 'postgres_user: "postgres\\nALL ALL=(ALL) NOPASSWD: ALL"'],
        ['hostname_aliases: [localhost]', 'haproxy_bind_address: "0.0.0.0\\n    stats enable"'],
        ['hostname_aliases: [db-primary, alpha]'],
      ),
    );
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      `${r.file}:6 cluster_vars.barman_backup_interval: expected five cron fields such as "0 4 * * wed,sat" (digits, names, * , - /; no @), got "@reboot root touch /tmp/owned #"`,
      `${r.file}:7 cluster_vars.postgres_user: "postgres\\nALL ALL=(ALL) NOPASSWD: ALL" contains a line break or another control character`,
      `${r.file}:20 instances[0].vars.hostname_aliases[0]: "localhost" is reserved for the loopback address`,
      `${r.file}:21 instances[0].vars.haproxy_bind_address: "0.0.0.0\\n    stats enable" is neither an IP address nor a host name`,
      `${r.file}:30 instances[1].vars.hostname_aliases: "alpha" is the name of alpha; /etc/hosts would give one name two addresses`,
      'm1: 5 problems in the config; nothing was changed',
    ]);
  });

  it('postgresql.conf settings: names are identifiers, values one line without control characters', async () => {
    const r = await validate(
      config(
        ['postgres_conf_settings:', '  work_mem: "16MB\\nshared_preload_libraries = \'evil\'"', '  "bad name": 1', '  log_line_prefix: "a\\u0007b"'],
        ['work_mem: "1MB\\r"'],
      ),
    );
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      `${r.file}:7 cluster_vars.postgres_conf_settings.work_mem: "16MB\\nshared_preload_libraries = 'evil'" contains a line break or another control character`,
      `${r.file}:8 cluster_vars.postgres_conf_settings.bad name: not a setting name (letters, digits and _, optionally class.name)`,
      `${r.file}:9 cluster_vars.postgres_conf_settings.log_line_prefix: "a\\u0007b" contains a line break or another control character`,
      `${r.file}:22 instances[0].vars.work_mem: "1MB\\r" contains a line break or another control character`,
      'm1: 4 problems in the config; nothing was changed',
    ]);
  });

  it('rules between values: HAProxy ports that collide, an etcd election timeout under 5 heartbeats', async () => {
    const r = await validate(config(['etcd_heartbeat_interval: 1000', 'etcd_election_timeout: 2000', 'haproxy_port: 6000'], [], ['haproxy_read_only_port: 6000']));
    // Port rules apply to HAProxy instances only: none here, so only etcd's.
    expect(r.lines).toEqual([
      `${r.file}:7 cluster_vars.etcd_election_timeout: etcd_election_timeout (2000) must be at least 5 × etcd_heartbeat_interval (1000); 10 × is recommended`,
      'm1: 1 problem in the config; nothing was changed',
    ]);
  });

  it('synchronous_replication needs whoever keeps synchronous_standby_names: refused with EFM, without the fence, or with fewer than three voters; accepted with a witness', async () => {
    const two = await validate(config(['synchronous_replication: on'], []));
    expect(two.lines[0]).toMatch(/cluster_vars\.synchronous_replication: on needs m1's fence, which needs three voters/);
    const off = await validate(config(['synchronous_replication: strict', 'repmgr_fence: false'], []));
    expect(off.lines[0]).toMatch(/synchronous_replication: strict needs repmgr_fence: true/);
    const efm = await validate(config(['synchronous_replication: on'], []).replace('failover_manager: repmgr', 'failover_manager: efm'));
    expect(efm.lines.join('\n')).toMatch(/synchronous_replication: on is not available with EFM/);
    const witness = ['- Name: gamma', '  location: dc1', '  node: 3', '  role: [witness]', '  upstream: alpha', '  ip_address: 10.33.0.4', '  vars:', '    ansible_user: root'].join('\n');
    const ok = await validate(`${config(['synchronous_replication: on'], [])}\n${witness}\n`);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });

  it("TPA's postgres_users and postgres_databases: names, m1's own roles, attributes, owners", async () => {
    const r = await validate(
      config(
        [
          'postgres_users:',
          '  - username: postgres',
          '  - username: "app; DROP"',
          '  - username: ok',
          '    role_attrs: [superuser, inherit]',
          'postgres_databases:',
          '  - name: shop',
          '    owner: nobody',
          '  - name: geo',
          '    owner: ok',
          '    tablespace: fast',
        ],
        [],
      ),
    );
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      `${r.file}:7 cluster_vars.postgres_users[0].username: postgres is a role m1 manages itself`,
      `${r.file}:8 cluster_vars.postgres_users[1].username: "app; DROP" is not a user name m1 accepts (lower-case letters, digits, _)`,
      `${r.file}:10 cluster_vars.postgres_users[2].role_attrs[1]: "inherit": m1 sets SUPERUSER, NOSUPERUSER, CREATEDB, NOCREATEDB, CREATEROLE, NOCREATEROLE, LOGIN, NOLOGIN, REPLICATION, NOREPLICATION`,
      `${r.file}:16 cluster_vars.postgres_databases[1].tablespace: m1 does not support tablespace here (it knows name, owner, encoding, lc_collate, lc_ctype, template, extensions, languages)`,
      'm1: 4 problems in the config; nothing was changed',
    ]);
    const owners = await validate(config(['postgres_users: [ok]', 'postgres_databases:', '  - {name: shop, owner: nobody}', '  - {name: geo, owner: ok}'], []));
    expect(owners.code).toBe(2);
    expect(owners.lines[0]).toBe(`${owners.file}:8 cluster_vars.postgres_databases[0].owner: nobody is neither postgres nor one of postgres_users`);
  });

  it('deploy refuses the same config before provisioning anything (exit 2)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.yml'), config(['pgbouncer_pool_mode: bogus'], []));
    const r = await runCli(['deploy', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'config.yml')}:6 cluster_vars.pgbouncer_pool_mode: expected one of session, transaction, statement, got "bogus"`);
    expect(await readdir(dir)).toEqual(['config.yml']);
  });
});

describe('m1 validate accepts what each file accepts', () => {
  it('ports as numbers or digits, words from the list, settings maps, cron schedules, account names, host names, addresses', async () => {
    const r = await validate(
      config(
        [
          'pgbouncer_pool_mode: transaction',
          'etcd_client_port: "2379"',
          'barman_backup_interval: "*/15 2-4 * jan-jun mon,fri"',
          'postgres_user: postgres_2',
          'repmgr_redirect_pgbouncer: yes',
          'postgres_conf_settings:',
          '  work_mem: 32MB',
          '  auto_explain.log_min_duration: 1s',
          '  log_line_prefix: "%m [%p] "',
          '  jit: false',
          '  random_page_cost: 1.1',
          'postgres_client_networks: 10.0.0.0/8',
          'etcd_heartbeat_interval: 100',
          'etcd_election_timeout: 1000',
        ],
        ['ansible_port: "2222"', 'hostname_aliases: [db-primary, db1.example.com]', 'haproxy_bind_address: "::"', 'repmgr_priority: 0'],
        ['haproxy_bind_address: "*"', 'backup_name: vars-beta_1', 'my_own_variable: anything'],
      ),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a variable read from cluster_vars only, set on an instance: a warning, not an error', async () => {
    const r = await validate(config([], ['barman_backup_interval: "0 3 * * *"']));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `m1: warning: ${r.file}:18 instances[0].vars.barman_backup_interval: m1 reads this from cluster_vars only; here it has no effect (move it to cluster_vars)\n`,
    );
  });

  it('the values load as the spec reads them (cron fields normalised, not rewritten in the model)', () => {
    const { cluster } = parseConfig(config(['barman_backup_interval: " 0  4 * * wed,sat "'], []), { file: 'config.yml', dir: '/c' });
    expect(cluster.clusterVars['barman_backup_interval']).toBe(' 0  4 * * wed,sat ');
    expect(VARIABLES.barman_backup_interval.parse(' 0  4 * * wed,sat ')).toEqual({ ok: true, value: '0 4 * * wed,sat' });
  });
});

describe('m1 validate --vars', () => {
  it('lists every variable with where it is read, its type, default and meaning; needs no cluster', async () => {
    const r = await runCli(['validate', '--vars']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))?.split(/\s{2,}/);
    expect(row('pgbouncer_pool_mode')).toEqual(['pgbouncer_pool_mode', 'host', 'one of session, transaction, statement', 'session', "PgBouncer's pool_mode"]);
    expect(row('barman_backup_interval')).toEqual([
      'barman_backup_interval',
      'cluster',
      'cron schedule (5 fields)',
      '0 4 * * wed,sat',
      "when Barman takes a base backup (/etc/cron.d/m1_barman's schedule)",
    ]);
    expect(row('pgbouncer_max_client_conn')?.[3]).toBe("90% of Postgres' max_connections");
    expect(row('repmgr_location')?.[3]).toBe('-');
    expect(row('packages')).toEqual(['packages', "TPA's extra packages"]);
    for (const name of Object.keys(VARIABLES)) expect(row(name), name).toBeDefined();
    const read = Object.values(VARIABLES).filter((s) => s.read).length;
    expect(lines[0]).toContain(`Variables m1 reads (${read})`);
  });

  it('validate without a directory and without --vars is a usage error', async () => {
    const r = await runCli(['validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('validate needs <cluster-dir>');
  });
});

describe('the spec map', () => {
  it('every variable has a meaning; every read one a type', () => {
    for (const [name, spec] of Object.entries(VARIABLES)) {
      expect(spec.meaning.length, name).toBeGreaterThan(5);
      expect(spec.type.length, name).toBeGreaterThan(2);
    }
  });
  it('every default passes its own spec', () => {
    for (const [name, spec] of Object.entries(VARIABLES)) {
      if (spec.default === undefined) continue;
      expect((spec.parse as (v: unknown) => { ok: boolean })(spec.default).ok, name).toBe(true);
    }
  });
  it('the configs m1 configure writes and the TPA fixtures only use declared variables', async () => {
    const text = await readFile(join(__dirname, '../../../inventories/tpa/repmgr3/config.yml'), 'utf8');
    const { warnings } = parseConfig(text, { file: 'config.yml', dir: '/c' });
    expect(warnings).toEqual([]);
  });
});
