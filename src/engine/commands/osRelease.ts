/** /etc/os-release, as a map of its keys. */
export function buildOsRelease(): string {
  return 'cat /etc/os-release';
}

export interface OsRelease {
  id: string;
  versionId: string;
  versionCodename: string;
  prettyName: string;
  raw: Record<string, string>;
}

export function parseOsRelease(stdout: string): OsRelease {
  const raw: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (/^(["']).*\1$/.test(v)) v = v.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    raw[m[1]!] = v;
  }
  return { id: raw.ID ?? '', versionId: raw.VERSION_ID ?? '', versionCodename: raw.VERSION_CODENAME ?? '', prettyName: raw.PRETTY_NAME ?? '', raw };
}
