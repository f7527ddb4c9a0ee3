import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memory } from '../../../src/live/facts/memory.js';
import { dataDirVersion } from '../../../src/live/facts/dataDirVersion.js';
import { serverPackage } from '../../../src/live/facts/serverPackage.js';
import { units } from '../../../src/live/facts/units.js';
import { confFiles } from '../../../src/live/facts/confFiles.js';
import { rewoundWal } from '../../../src/live/facts/rewoundWal.js';
import { parseReading } from '../../../src/live/reading.js';
import { readRecorded } from './recorded.js';

const CONF_D = '/opt/postgres/data/conf.d';
const host = {
  memory,
  dataDirVersion: dataDirVersion('/opt/postgres/data'),
  serverPackage: serverPackage('postgresql-15', { candidate: true }),
  units: units(['postgres', 'repmgr', 'pgbouncer']),
  conf: confFiles(CONF_D, ['0000-tpa.conf', '0001-tpa_restart.conf', '9900-postgres_conf_settings.conf', '9999-override.conf']),
};

describe('the host facts, recorded on a repmgr data node', () => {
  it('memory in MiB, the data directory of PostgreSQL 15, the installed server package, its units', () => {
    const { facts } = readRecorded('repmgr-deployed', 'live-rp-yew', host);
    expect(facts.memory).toBe(24105);
    expect(facts.dataDirVersion).toBe('15');
    expect(facts.serverPackage).toEqual({ installed: '15.18-0+deb12u1' });
    expect(facts.units).toEqual({ postgres: 'active', repmgr: 'active', pgbouncer: 'active' });
  });

  it('conf.d files as they are, by name; a file that does not exist is absent', () => {
    const { facts } = readRecorded('repmgr-deployed', 'live-rp-yew', host);
    expect(Object.keys(facts.conf).sort()).toEqual(['0000-tpa.conf', '0001-tpa_restart.conf', '9900-postgres_conf_settings.conf']);
    expect(facts.conf['0001-tpa_restart.conf']).toContain("cluster_name = 'live-rp-yew'\n");
    expect(facts.conf['0000-tpa.conf']).toContain("checkpoint_timeout = '30min'\n");
  });

  it('a stopped unit is inactive, in the order asked', () => {
    expect(readRecorded('repmgr-stopped', 'live-rp-yew', host).facts.units).toEqual({ postgres: 'inactive', repmgr: 'active', pgbouncer: 'active' });
  });

  it("what a host did not answer is unknown or absent, never a guess", () => {
    const { facts } = parseReading({ facts: host }, '');
    expect(facts).toEqual({ memory: undefined, dataDirVersion: undefined, serverPackage: {}, units: { postgres: 'unknown', repmgr: 'unknown', pgbouncer: 'unknown' }, conf: {} });
  });

  it("a package the sources lack: no installed version, apt's candidate '(none)'", () => {
    const { facts } = parseReading({ facts: host }, 'm1:pkg=\nm1:pkg:candidate=(none)\n');
    expect(facts.serverPackage).toEqual({ candidate: '(none)' });
  });

  it('asks apt for the candidate only when told to, and only when the package is not installed', () => {
    const shell = (f: { read: unknown }) => (f.read as { shell: string }).shell;
    expect(shell(serverPackage('postgresql-15', { candidate: false }))).not.toContain('apt-cache');
    expect(shell(serverPackage('postgresql-15', { candidate: true }))).toMatch(/if ! dpkg-query .* grep -q '\^ii'; then[\s\S]*apt-cache policy postgresql-15/);
  });

  it('the kept rewound WAL: one directory per rejoin with its size; names m1 would not write are skipped by the shell', () => {
    const f = { rewound: rewoundWal('/var/lib/postgresql/m1-rewound') };
    expect(parseReading({ facts: f }, 'm1:rwd=20261205T233100Z-from-tl1|49152\nm1:rwd=20261206T010000Z-from-tl2|\n').facts.rewound).toEqual([
      { name: '20261205T233100Z-from-tl1', kib: 49152 },
      { name: '20261206T010000Z-from-tl2' },
    ]);
    expect(parseReading({ facts: f }, '').facts.rewound).toEqual([]);
  });

  it('lists the kept rewound WAL with a real shell: directories only, stray names skipped, nothing when the directory is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm1-rwd-'));
    try {
      mkdirSync(join(dir, '20261205T233100Z-from-tl1'));
      writeFileSync(join(dir, '20261205T233100Z-from-tl1', '000000010000000000000009'), Buffer.alloc(8192));
      mkdirSync(join(dir, 'evil\nm1:rwd=forged|1'));
      writeFileSync(join(dir, 'a-file'), '');
      const shell = (d: string) => (rewoundWal(d).read as { shell: string }).shell;
      const listed = parseReading({ facts: { rewound: rewoundWal(dir) } }, execFileSync('sh', ['-c', shell(dir)], { encoding: 'utf8' })).facts.rewound;
      expect(listed.map((w) => w.name)).toEqual(['20261205T233100Z-from-tl1']);
      expect(listed[0]!.kib).toBeGreaterThanOrEqual(8);
      expect(execFileSync('sh', ['-c', shell(join(dir, 'missing'))], { encoding: 'utf8' })).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a conf file name that is not a plain file name', () => {
    expect(() => confFiles(CONF_D, ['../x'])).toThrow(/a plain file name expected/);
  });
});
