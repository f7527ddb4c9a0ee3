/**
 * A strict fake host for role scenarios: a FakeConnector over a small model
 * of the filesystem (stat and content batches, atomic writes, directories)
 * and systemd, plus the answers a scenario declares for every other command.
 * Anything else fails the run (the connector's rule), so a scenario names
 * every command the role may send.
 */
import { createHash } from 'node:crypto';
import { FakeConnector } from '../../../../src/engine/connectors/fake.js';

export interface Answer {
  /** A regular expression the command must match. */
  match: string;
  stdout?: string;
  stderr?: string;
  code?: number;
}

export interface HostModel {
  /** Regular files by path (owner root:root, mode 0644 unless `owners` says). */
  files?: Record<string, string>;
  /** Owner, group and mode of files or directories: "postgres:postgres:0600". */
  owners?: Record<string, string>;
  directories?: string[];
  /** Installed Debian packages and their versions. */
  packages?: Record<string, string>;
  /** Units by name (with .service): "active enabled", "inactive disabled"... */
  services?: Record<string, string>;
  /** Answers to the reads (facts) and changes the scenario expects, first match wins. */
  answers?: Answer[];
}

interface Node {
  type: 'file' | 'directory';
  content: string;
  owner: string;
  group: string;
  mode: string;
}

const words = (list: string) => [...list.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!));
const unit = (u: string) => (u.includes('.') ? u : `${u}.service`);

export function modelHost(name: string, model: HostModel): FakeConnector {
  const fs = new Map<string, Node>();
  const attrs = (path: string, fallback: string) => (model.owners?.[path] ?? fallback).split(':');
  for (const [path, content] of Object.entries(model.files ?? {})) {
    const [owner, group, mode] = attrs(path, 'root:root:0644');
    fs.set(path, { type: 'file', content, owner: owner!, group: group!, mode: mode! });
  }
  for (const path of model.directories ?? []) {
    const [owner, group, mode] = attrs(path, 'root:root:0755');
    fs.set(path, { type: 'directory', content: '', owner: owner!, group: group!, mode: mode! });
  }
  const services = new Map(Object.entries(model.services ?? {}).map(([u, s]) => [unit(u), { active: s.split(' ')[0]!, file: s.split(' ')[1] ?? 'disabled' }]));

  const c = new FakeConnector(name);
  // Scenario answers are added last so they are checked first.
  c.on(/^set --; for p in (.*?); do \[ -f "\$p" \].*stat -c '%F/, (cmd) => {
    const paths = words(/^set --; for p in (.*?); do/.exec(cmd)![1]!);
    const present = paths.filter((p) => fs.has(p));
    const stats = present.map((p) => {
      const n = fs.get(p)!;
      return `${n.type === 'file' ? 'regular file' : 'directory'}|${Number.parseInt(n.mode, 8).toString(8)}|${n.owner}|${n.group}|${Buffer.byteLength(n.content)}|${p}\n`;
    });
    const hashes = present.filter((p) => fs.get(p)!.type === 'file').map((p) => `${createHash('sha256').update(fs.get(p)!.content).digest('hex')}  ${p}\n`);
    return { stdout: `${stats.join('')}--m1-hashes--\n${hashes.join('')}` };
  });
  c.on(/^set --; for p in (.*?); do \[ -f "\$p" \].*stat -L -c/, (cmd) => {
    const files = words(/^set --; for p in (.*?); do/.exec(cmd)![1]!).filter((p) => fs.get(p)?.type === 'file');
    const sizes = files.map((p) => `${Buffer.byteLength(fs.get(p)!.content)}|${p}\n`).join('');
    return { stdout: `${sizes}--m1-contents--\n${Buffer.from(files.map((p) => fs.get(p)!.content).join('')).toString('base64')}` };
  });
  c.on(/mv -f -- "\$t" (\S+) \|\|/, (cmd, stdin) => {
    const path = words(/mv -f -- "\$t" (\S+) \|\|/.exec(cmd)![1]!)[0]!;
    const old = fs.get(path);
    const own = /chown -- (\S+) "\$t"/.exec(cmd);
    const [owner, group] = own ? words(own[1]!)[0]!.split(':') : [old?.owner ?? 'root', old?.group ?? 'root'];
    const mode = /chmod -- (\d+) "\$t"/.exec(cmd)?.[1] ?? old?.mode ?? '0644';
    fs.set(path, { type: 'file', content: stdin ?? '', owner: owner!, group: group!, mode: mode.padStart(4, '0') });
    return {};
  });
  c.on(/^(mkdir -p|chown|chmod) -- /, (cmd) => {
    for (const step of cmd.split(' && ')) {
      const [, verb, arg, path] = /^(mkdir -p|chown|chmod) -- (\S+)(?: (\S+))?$/.exec(step) ?? [];
      if (!verb) return { code: 1, stderr: `model host: cannot read ${step}` };
      const p = words(path ?? arg!)[0]!;
      const n = fs.get(p) ?? { type: 'directory' as const, content: '', owner: 'root', group: 'root', mode: '0755' };
      if (verb === 'chown') [n.owner, n.group] = words(arg!)[0]!.split(':') as [string, string];
      if (verb === 'chmod') n.mode = arg!.padStart(4, '0');
      fs.set(p, n);
    }
    return {};
  });
  c.on(/visudo -c -f -$/, {});
  c.on(/^systemctl show/, (cmd) => ({
    stdout: words(cmd.split(' -- ')[1]!)
      .map((u) => {
        const s = services.get(u);
        return s
          ? `Id=${u}\nLoadState=loaded\nActiveState=${s.active}\nUnitFileState=${s.file}\nNeedDaemonReload=no\n`
          : `Id=${u}\nLoadState=not-found\nActiveState=inactive\nUnitFileState=\nNeedDaemonReload=no\n`;
      })
      .join('\n'),
  }));
  c.on(/^systemctl daemon-reload/, {});
  c.on(/^dpkg-query /, () => ({ stdout: Object.entries(model.packages ?? {}).map(([n, v]) => `${n}\t${v}\tii \n`).join('') }));
  c.on(/^systemctl (start|stop|restart|reload|enable|disable) -- (\S+)$/, (cmd) => {
    const [, action, quoted] = /^systemctl (\S+) -- (\S+)$/.exec(cmd)!;
    const u = words(quoted!)[0];
    const s = services.get(u!) ?? { active: 'inactive', file: 'disabled' };
    if (action === 'start' || action === 'restart') s.active = 'active';
    if (action === 'stop') s.active = 'inactive';
    if (action === 'enable') s.file = 'enabled';
    if (action === 'disable') s.file = 'disabled';
    services.set(u!, s);
    return {};
  });
  for (const a of [...(model.answers ?? [])].reverse()) {
    c.on(new RegExp(a.match, 's'), { stdout: a.stdout ?? '', stderr: a.stderr ?? '', code: a.code ?? 0 });
  }
  return c;
}
