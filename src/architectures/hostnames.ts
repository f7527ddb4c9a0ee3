/**
 * Instance names: from m1's own word list (deterministic: the same cluster
 * name always gets the same names), or from a --hostnames-from file, in node
 * order (node 1 gets the first name), optionally prefixed with the cluster name.
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { hostnameProblem } from '../inventory/hostname.js';
import { nameHash } from '../inventory/network.js';

/** Trees and plants, birds, stones, rivers, fish and mammals: short, distinct, valid hostnames. */
export const DEFAULT_HOSTNAMES: readonly string[] = `
alder aspen birch cedar elm fir hazel hemlock holly juniper larch linden maple oak olive pine
poplar rowan spruce willow yew acacia beech cypress ebony hawthorn hickory laurel magnolia
mulberry myrtle redwood sequoia sycamore tamarack teak walnut wisteria catalpa
lotus fern moss ivy reed sage thyme basil clover heather
albatross bittern bunting buzzard condor crane curlew dipper dunlin egret falcon finch gannet
godwit goshawk grebe heron ibis jackdaw kestrel kite lapwing linnet magpie merlin osprey owl
petrel plover puffin raven redstart robin rook shrike siskin skylark snipe sparrow starling
stork swallow swift teal tern thrush warbler wagtail wren avocet bluebird cardinal cormorant
dove eagle flamingo hoopoe kingfisher lark nightjar oriole pelican penguin pipit quail
sandpiper toucan vulture woodpecker
agate amber basalt beryl calcite cobalt coral flint garnet granite jade jasper marble mica
obsidian onyx opal pumice quartz ruby slate topaz zircon feldspar gypsum malachite pyrite
emerald sapphire diamond graphite hematite azurite dolomite fluorite galena olivine
amazon danube ganges indus loire mekong nile rhine rhone seine thames tiber volga yangtze
yukon zambezi elbe oder douro tagus shannon severn tweed ebro
anchovy barracuda bream carp cod eel flounder grouper haddock halibut herring mackerel marlin
minnow perch pike plaice salmon sardine shark snapper sole sturgeon trout tuna turbot
badger beaver bison bobcat camel cheetah coyote dingo elk ermine ferret fox gazelle gibbon
giraffe hare hedgehog hyena ibex jackal jaguar koala lemur leopard lynx marmot marten meerkat
mink moose narwhal ocelot otter panda panther puma rabbit raccoon reindeer seal sloth squirrel
stoat tapir tiger walrus weasel wolf wombat yak zebra
`
  .split(/\s+/)
  .filter((w) => w.length > 0);

export interface HostnameEntry {
  name: string;
  /** One address: ip_address. */
  ipAddress?: string;
  /** Two addresses: public_ip then private_ip (TPA's hostnames file format). */
  publicIp?: string;
  privateIp?: string;
}

/** The --cluster-prefixed-hostnames prefix: the cluster name, lower-cased, other characters as "-". */
export function clusterPrefix(clusterName: string): string {
  return clusterName.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/**
 * Parses a --hostnames-from file: one `name [ip [ip]]` per line; blank lines
 * and `#` comments are skipped. Every bad line is an error (TPA skips them
 * silently, which hides typos).
 */
export function parseHostnamesFile(text: string, label: string, allowDots: boolean): HostnameEntry[] {
  const entries: HostnameEntry[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const where = `--hostnames-from ${label}:${index + 1}`;
    const fields = line.split(/\s+/);
    const [name, ...ips] = fields as [string, ...string[]];
    const problem = hostnameProblem(name, allowDots);
    if (problem) throw new UsageError(`${where}: "${name}" ${problem}`);
    if (ips.length > 2) throw new UsageError(`${where}: expected "name [ip [ip]]", found ${fields.length} fields`);
    for (const ip of ips) {
      if (isIP(ip) === 0) throw new UsageError(`${where}: "${ip}" is not an IP address`);
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      throw new UsageError(`${where}: "${name}" is already on line ${previous}; names must be unique`);
    }
    seen.set(name, index + 1);
    const entry: HostnameEntry = { name };
    if (ips.length === 1) entry.ipAddress = ips[0];
    if (ips.length === 2) [entry.publicIp, entry.privateIp] = ips;
    entries.push(entry);
  });
  return entries;
}

export interface PickHostnamesOptions {
  clusterName: string;
  /** Entries of a --hostnames-from file, used in file order. */
  fromFile?: { label: string; entries: HostnameEntry[] };
  clusterPrefixed: boolean;
  allowDots: boolean;
}

/**
 * `count` names in node order. The default list starts at a position derived
 * from the cluster name, so two clusters on one Docker engine rarely share
 * container names, while re-running configure gives the same names.
 */
export function pickHostnames(count: number, options: PickHostnamesOptions): HostnameEntry[] {
  let entries: HostnameEntry[];
  if (options.fromFile) {
    const { label, entries: all } = options.fromFile;
    if (all.length < count) {
      throw new UsageError(
        `--hostnames-from ${label}: found only ${all.length} of the ${count} names this cluster needs; add names to the file`,
      );
    }
    entries = all.slice(0, count);
  } else {
    const list = DEFAULT_HOSTNAMES;
    if (count > list.length) {
      throw new UsageError(
        `this cluster needs ${count} names but the built-in list has ${list.length}; give your own with --hostnames-from FILE`,
      );
    }
    const start = nameHash(options.clusterName) % list.length;
    entries = Array.from({ length: count }, (_, i) => ({ name: list[(start + i) % list.length]! }));
  }
  if (options.clusterPrefixed) {
    const prefix = clusterPrefix(options.clusterName);
    entries = entries.map((e) => ({ ...e, name: `${prefix}-${e.name}` }));
    for (const e of entries) {
      const problem = hostnameProblem(e.name, options.allowDots);
      if (problem) throw new UsageError(`--cluster-prefixed-hostnames: "${e.name}" ${problem}; rename the cluster directory`);
    }
  }
  return entries;
}
