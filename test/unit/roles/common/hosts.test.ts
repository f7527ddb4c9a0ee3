import { describe, expect, it } from 'vitest';
import { BLOCK_BEGIN, BLOCK_END, clusterHostEntries, hostsBlock, withHostsBlock } from '../../../../src/products/system/hosts.js';
import { defaultCluster } from '../fixtures.js';

const DOCKER_HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.33.0.11\talpha\n';

describe('hostsBlock', () => {
  it('lists every cluster host with its address, in node order', () => {
    const block = hostsBlock(clusterHostEntries(defaultCluster()));
    expect(block).toBe(`${BLOCK_BEGIN}\n10.33.0.11\talpha\n10.33.0.12\tbeta\n10.33.0.13\tgamma\n${BLOCK_END}\n`);
  });

  it('adds hostname_aliases', () => {
    const c = defaultCluster();
    c.instances[1]!.vars['hostname_aliases'] = ['beta.example', 'db2'];
    expect(hostsBlock(clusterHostEntries(c))).toContain('10.33.0.12\tbeta beta.example db2\n');
  });
});

describe('withHostsBlock', () => {
  const block = hostsBlock(clusterHostEntries(defaultCluster()));

  it('appends the block and keeps the rest of the file', () => {
    const out = withHostsBlock(DOCKER_HOSTS, block);
    expect(out).toBe(DOCKER_HOSTS + block);
  });

  it('is stable: applying it twice changes nothing', () => {
    const once = withHostsBlock(DOCKER_HOSTS, block);
    expect(withHostsBlock(once, block)).toBe(once);
  });

  it('replaces an older block in place', () => {
    const old = `# admin line\n${BLOCK_BEGIN}\n10.0.0.9\talpha\n${BLOCK_END}\n10.1.1.1\tother\n`;
    const out = withHostsBlock(old, block);
    expect(out).toBe(`# admin line\n${block}10.1.1.1\tother\n`);
  });

  it('drops lines that give a cluster host name another address', () => {
    const out = withHostsBlock('127.0.1.1\tbeta\n10.9.9.9\tunrelated\n', block);
    expect(out).not.toContain('127.0.1.1');
    expect(out).toContain('10.9.9.9\tunrelated\n');
  });
});
