/**
 * The accessors roles read variables through: the instance's vars win over
 * cluster_vars, unset means the spec's default, a value the spec refuses is a
 * ConfigError naming the key's path (for a Cluster built in code: the loader
 * refuses it first).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';
import { clusterVar, hostVar, hostVarLayer, mergedHostMap } from '../../../src/config/vars.js';
import { byName, defaultCluster } from '../roles/fixtures.js';

describe('variable accessors', () => {
  it("an instance's value wins over cluster_vars; unset is the spec's default", () => {
    const c = defaultCluster({ repmgr_priority: 50 });
    byName(c, 'beta').vars['repmgr_priority'] = '10';
    expect(hostVar(c, byName(c, 'beta'), 'repmgr_priority')).toBe(10);
    expect(hostVar(c, byName(c, 'alpha'), 'repmgr_priority')).toBe(50);
    expect(hostVar(defaultCluster(), byName(c, 'alpha'), 'repmgr_priority')).toBe(-1);
    expect(hostVar(defaultCluster(), undefined, 'repmgr_location')).toBeUndefined();
  });

  it('values come back as the spec reads them', () => {
    expect(clusterVar(defaultCluster({ repmgr_redirect_pgbouncer: 'yes' }), 'repmgr_redirect_pgbouncer')).toBe(true);
    expect(clusterVar(defaultCluster({ barman_backup_interval: ' 0  3 * * * ' }), 'barman_backup_interval')).toBe('0 3 * * *');
    expect(clusterVar(defaultCluster({ postgres_client_networks: '10.0.0.0/8' }), 'postgres_client_networks')).toEqual(['10.0.0.0/8']);
  });

  it('a refused value is a ConfigError naming config.yml and the path', () => {
    expect(() => clusterVar(defaultCluster({ etcd_client_port: 'abc' }), 'etcd_client_port')).toThrow(
      '/clusters/m1/config.yml cluster_vars.etcd_client_port: expected an integer from 1 to 65535, got "abc"',
    );
    const c = defaultCluster();
    byName(c, 'alpha').vars['hostname_aliases'] = ['db1', 'localhost'];
    expect(() => hostVar(c, byName(c, 'alpha'), 'hostname_aliases')).toThrow(
      'instances[alpha].vars.hostname_aliases[1]: "localhost" is reserved for the loopback address',
    );
  });

  it("mappings merge key by key, the instance's keys over cluster_vars'", () => {
    const c = defaultCluster({ postgres_conf_settings: { work_mem: '8MB', jit: false } });
    byName(c, 'beta').vars['postgres_conf_settings'] = { work_mem: '64MB' };
    expect(mergedHostMap(c, byName(c, 'beta'), 'postgres_conf_settings')).toEqual({ work_mem: '64MB', jit: false });
    expect(mergedHostMap(c, byName(c, 'alpha'), 'postgres_conf_settings')).toEqual({ work_mem: '8MB', jit: false });
    expect(hostVarLayer(c, byName(c, 'alpha'), 'postgres_conf_settings')).toBeUndefined();
  });

  it("a default list is the caller's own copy", () => {
    const a = clusterVar(defaultCluster(), 'postgres_client_networks');
    a.push('10.0.0.0/8');
    expect(clusterVar(defaultCluster(), 'postgres_client_networks')).toEqual(['0.0.0.0/0']);
  });
});

describe('roles and products read variables only through the accessors', () => {
  it('no code outside src/config indexes cluster_vars or an instance\'s vars itself', () => {
    const dirs = ['roles', 'playbooks', 'src/products', 'src/live', 'src/platforms', 'src/engine', 'src/cli'];
    const files = dirs.flatMap((d) =>
      readdirSync(join(packageRoot, d), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => join(packageRoot, d, f)),
    );
    expect(files.length).toBeGreaterThan(50);
    const direct = /\b(clusterVars|ownVars|vars)(\[|\??\.[A-Za-z_])/;
    const offenders = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, k) => [line, k] as const)
        // Code only: comments and string literals may name a variable's path.
        .filter(([line]) => !/^\s*(\*|\/\/|\/\*)/.test(line) && direct.test(line.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''")))
        .map(([line, k]) => `${relative(packageRoot, f)}:${k + 1}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });
});
