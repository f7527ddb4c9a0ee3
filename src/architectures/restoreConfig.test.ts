import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { renderConfig } from '../config/write.js';
import type { ConfigDocument } from '../config/document.js';
import { configureM1, type M1Options } from './m1.js';
import { restoreConfig } from './restoreConfig.js';

function sourceOf(options: Partial<M1Options>, edit: (d: ConfigDocument) => void = () => undefined) {
  const doc = configureM1({ clusterName: 'prod', postgresVersion: 15, failoverManager: 'repmgr', platform: 'docker', enablePgbouncer: true, ...options });
  edit(doc);
  return parseConfig(renderConfig(doc), { file: '/c/prod/config.yml', dir: '/c/prod' }).cluster;
}

const withSettings = (d: ConfigDocument) => {
  d.cluster_vars['postgres_conf_settings'] = { work_mem: '16MB' };
  d.cluster_vars['postgres_package_version'] = '15.18-0+deb12u1';
  d.instance_defaults['image'] = 'm1/debian-packages:bookworm';
};

describe("m1 restore's new config.yml", () => {
  it('a primary alone with its own Barman, PgBouncer as the source; its settings, image and versions; named after the new directory', () => {
    const doc = restoreConfig(sourceOf({}, withSettings), 'prod-tuesday');
    expect(doc.cluster_name).toBe('prod-tuesday');
    expect(doc.instances.map((i) => `${i.Name} ${i.role.join(',')}${i.backup ? ` backup:${i.backup}` : ''}`)).toEqual([
      expect.stringMatching(/^prod-tuesday-\w+ primary,pgbouncer backup:prod-tuesday-\w+$/),
      expect.stringMatching(/^prod-tuesday-\w+ barman,log-server$/),
    ]);
    expect(doc.cluster_vars).toMatchObject({ failover_manager: 'repmgr', postgres_version: '15', postgres_conf_settings: { work_mem: '16MB' }, postgres_package_version: '15.18-0+deb12u1' });
    expect(doc.instance_defaults['image']).toBe('m1/debian-packages:bookworm');
    expect(doc.docker_networks?.[0]?.name).toBe('prod-tuesday');
    // What it writes loads as a cluster of its own.
    const loaded = parseConfig(renderConfig(doc), { file: '/c/prod-tuesday/config.yml', dir: '/c/prod-tuesday' }).cluster;
    expect(loaded.name).toBe('prod-tuesday');
    expect(loaded.dockerNetwork?.subnet).not.toBe(sourceOf({}).dockerNetwork?.subnet);
  });

  it('--data-nodes N: the primary and N-1 replicas in the source primary\'s location, Barman a witness when the data nodes are even', () => {
    const doc = restoreConfig(sourceOf({ locationNames: ['dc1', 'dc2'] }), 'copy', 2);
    expect(doc.instances.map((i) => `${i.location} ${i.role.join(',')}`)).toEqual(['dc1 primary,pgbouncer', 'dc1 replica,pgbouncer', 'dc1 barman,log-server,witness']);
    expect(restoreConfig(sourceOf({}), 'copy', 3).instances.filter((i) => i.role.includes('replica'))).toHaveLength(2);
  });

  it('refuses (exit 2) what it cannot build: Patroni, not docker, a bad --data-nodes, the source\'s own name', () => {
    expect(() => restoreConfig(sourceOf({ failoverManager: 'patroni', enablePgbouncer: false }), 'x')).toThrow(/uses patroni: m1 restore builds repmgr clusters only/);
    expect(() => restoreConfig(sourceOf({ platform: 'bare' }), 'x')).toThrow(/runs on bare/);
    expect(() => restoreConfig(sourceOf({}), 'x', 0)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => restoreConfig(sourceOf({}), 'prod')).toThrow(/as the source/);
  });
});
