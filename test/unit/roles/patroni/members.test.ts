import { describe, expect, it } from 'vitest';
import { barmanHosts, barmanSlotName, patroniMembers, patroniSlotName, pgbouncerHosts } from '../../../../src/products/patroni/members.js';
import { patroniCluster } from './fixture.js';

describe('Patroni members', () => {
  it('are the data nodes only', () => {
    expect(patroniMembers(patroniCluster()).map((m) => m.name)).toEqual(['kaboom', 'kaftan']);
  });

  it('slot names match Patroni 3.0 slot_name_from_member_name (values computed with its Python code)', () => {
    expect(patroniSlotName('kaboom')).toBe('kaboom');
    expect(patroniSlotName('Node-1.example')).toBe('node_1_example');
    expect(patroniSlotName('db@2')).toBe('dbu00642');
    expect(patroniSlotName('Ünï-x')).toBe('u0252nu0239_x');
    expect(patroniSlotName('x y')).toBe('xu0032y');
    expect(patroniSlotName('a'.repeat(70))).toBe('a'.repeat(63));
  });

  it("Barman's slot is backup_<barman host> without dots, dashes as underscores", () => {
    expect(barmanSlotName('kaolin')).toBe('backup_kaolin');
    expect(barmanSlotName('Barman-1.dc1')).toBe('backup_barman_1dc1');
  });

  it('Barman hosts are those backing up a data node', () => {
    const c = patroniCluster();
    expect(barmanHosts(c)).toEqual(['kaolin']);
    c.instances[0]!.backup = undefined;
    expect(barmanHosts(c)).toEqual([]);
  });

  it('PgBouncer hosts are the instances with role pgbouncer', () => {
    expect(pgbouncerHosts(patroniCluster()).map((i) => i.name)).toEqual([]);
    expect(pgbouncerHosts(patroniCluster({ pgbouncer: true })).map((i) => i.name)).toEqual(['kaboom', 'kaftan']);
  });
});
