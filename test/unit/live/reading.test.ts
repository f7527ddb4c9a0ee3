import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildReadingCommand, parseReading, type PostgresPlace } from '../../../src/live/reading.js';
import type { Fact } from '../../../src/live/fact.js';
import { memory } from '../../../src/live/facts/memory.js';
import { units } from '../../../src/live/facts/units.js';
import { pgNode } from '../../../src/live/facts/pgNode.js';
import { slots } from '../../../src/live/facts/slots.js';
import { repmgrNodes } from '../../../src/live/facts/repmgrNodes.js';
import { repmgrd } from '../../../src/live/facts/repmgrd.js';
import { confFiles } from '../../../src/live/facts/confFiles.js';
import { barmanBackups } from '../../../src/live/facts/barmanBackups.js';
import { recorded } from './recorded.js';

const place: PostgresPlace = { bin: '/usr/lib/postgresql/15/bin', socketDir: '/var/run/postgresql', port: 5432, dataDir: '/opt/postgres/data' };
const facts = { memory, units: units(['postgres', 'repmgr']), node: pgNode, slots, repmgrNodes, repmgrd };

describe('one command per host', () => {
  const cmd = buildReadingCommand({ facts, postgres: place });

  it('is valid sh, runs every shell fact, and ONE psql for all SQL facts, in every database', () => {
    execFileSync('sh', ['-n', '-c', cmd]);
    expect(cmd.match(/\/psql -XAtq/g)).toHaveLength(1);
    expect(cmd).toContain('/proc/meminfo');
    expect(cmd).toContain('systemctl is-active postgres repmgr');
    expect(cmd).toContain("'m1:pg=' ||");
    expect(cmd).toContain("'m1:slot=' ||");
    expect(cmd.trimEnd().endsWith('true')).toBe(true);
  });

  it("reads SQL facts only from m1's own server, and a database's facts only where the database and their objects exist", () => {
    const script = cmd.slice(cmd.indexOf("<<'M1_SQL'"), cmd.lastIndexOf('M1_SQL'));
    const lines = script.split('\n');
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(lines[1]).toBe("SELECT current_setting('data_directory') = '/opt/postgres/data' AS m1_ours \\gset");
    expect(lines[2]).toBe('\\if :m1_ours');
    expect(at("'m1:pg='")).toBeLessThan(at('\\c repmgr'));
    expect(at("datname = 'repmgr'")).toBe(at('\\c repmgr') - 2);
    expect(at("to_regclass('repmgr.nodes')")).toBeGreaterThan(at('\\c repmgr'));
    expect(at("'m1:rnode='")).toBeGreaterThan(at("to_regclass('repmgr.nodes')"));
    expect(script).toContain("SELECT 'm1:pgerr=the server on the socket runs from ' || current_setting('data_directory')");
  });

  it('without SQL facts, runs no psql; with SQL facts but no server place, refuses to build', () => {
    expect(buildReadingCommand({ facts: { memory } })).not.toContain('psql');
    expect(() => buildReadingCommand({ facts: { node: pgNode } })).toThrow(/SQL facts \(pg\) need the reading's postgres place/);
  });

  it('refuses two facts whose lines would mix', () => {
    expect(() => buildReadingCommand({ facts: { a: memory, b: memory } })).toThrow(/two facts read key mem/);
    const conf: Fact<unknown> = { key: 'conf:x', read: { shell: ':' }, parse: () => undefined };
    expect(() => buildReadingCommand({ facts: { a: confFiles('/d', ['x']), b: conf } })).toThrow(/fact keys conf and conf:x overlap/);
  });
});

describe('parsing a reading', () => {
  it('gives each fact its own lines: two Barman servers on one host do not mix', () => {
    const text = 'm1:bbackup:a=1|DONE||1|\nm1:bbackup:ab=2|FAILED||1|\nm1:bbackup:a=0|DONE||1|\n';
    const { facts: f } = parseReading({ facts: { a: barmanBackups('a', '/x/a'), ab: barmanBackups('ab', '/x/ab') } }, text);
    expect(f.a.map((b) => b.id)).toEqual(['0', '1']);
    expect(f.ab.map((b) => b.status)).toEqual(['FAILED']);
  });

  it("says why SQL facts are missing: recorded on a host whose socket's server is not the data directory asked for", () => {
    // The reading asked for /var/lib/postgresql/15/main on live-rp-willow, whose server runs from /opt/postgres/data.
    const { facts: f, errors } = parseReading({ facts: { node: pgNode } }, 'm1:pgerr=the server on the socket runs from /opt/postgres/data, not /var/lib/postgresql/15/main');
    expect(f.node).toBeUndefined();
    expect(errors).toEqual(['the server on the socket runs from /opt/postgres/data, not /var/lib/postgresql/15/main']);
  });

  it('ignores lines that are not answers (a login banner) and carriage returns', () => {
    const { facts: f } = parseReading({ facts: { memory } }, 'Welcome!\r\nm1:mem=512\r\n');
    expect(f.memory).toBe(512);
  });

  it('a whole recorded reading parses without errors', () => {
    expect(parseReading({ facts, postgres: place }, recorded('repmgr-deployed', 'live-rp-willow')).errors).toEqual([]);
  });
});

describe('a bounded reading (m1 status)', () => {
  // A fact that waits on another host, and one that does not.
  const remote = (key: string, shell: string): Fact<string[]> => ({ key, read: { shell, waitsOnOthers: `asking ${key}` }, parse: (ls) => ls.map((l) => l.value) });
  const local: Fact<string[]> = { key: 'here', read: { shell: 'echo m1:here=1' }, parse: (ls) => ls.map((l) => l.value) };
  const reading = { facts: { local, peer: remote('peer', 'echo m1:peer=half; sleep 10; echo m1:peer=whole'), quick: remote('quick', 'echo m1:quick=ok') }, boundS: 0.5 };

  it('cuts what waits on another host after the bound and says so; the rest is read; the host answers in about the bound', () => {
    const t = performance.now();
    const out = execFileSync('sh', ['-c', buildReadingCommand(reading)], { encoding: 'utf8' });
    expect(performance.now() - t).toBeLessThan(3000);
    const a = parseReading(reading, out);
    expect(a.facts).toEqual({ local: ['1'], peer: [], quick: ['ok'] });
    expect(a.cut).toEqual([{ name: 'peer', what: 'asking peer' }]);
  });

  it("drops the lines a cut fact printed before its marker, and takes no marker for a fact that cannot be cut", () => {
    const a = parseReading(reading, 'm1:peer=half\nm1:cut=peer\nm1:here=1\nm1:cut=here\n');
    expect(a.facts.peer).toEqual([]);
    expect(a.facts.local).toEqual(['1']);
    expect(a.cut.map((c) => c.name)).toEqual(['peer']);
  });

  it('unbounded, every fact runs in turn to its end (deploy reads this way)', () => {
    const cmd = buildReadingCommand({ facts: { quick: remote('quick', 'echo m1:quick=ok') } });
    expect(cmd).not.toContain('timeout');
    expect(parseReading({ facts: { quick: remote('quick', 'x') } }, execFileSync('sh', ['-c', cmd], { encoding: 'utf8' })).facts.quick).toEqual(['ok']);
  });

  it('reserves the cut key', () => {
    expect(() => buildReadingCommand({ facts: { c: remote('cut', 'true') } })).toThrow(/reserved/);
  });
});
