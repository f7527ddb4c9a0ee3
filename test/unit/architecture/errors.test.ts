/**
 * One error hierarchy (src/errors.ts): what roles, playbooks and product
 * knowledge throw says what kind of failure it is, and the CLI maps it to an
 * exit status without a stack trace.
 *
 *   HostError     a host failed a step or answered something unusable (exit 1)
 *   RefusedError  a safety check stopped the run: fix by hand, then rerun (exit 3)
 *   ConfigError   config.yml (or a file in the cluster directory) cannot be used (exit 2)
 *   UsageError    a flag, variable or environment value cannot be used (exit 2)
 *
 * A plain `Error` is left only for a bug: a guard on something the caller
 * guarantees, which the CLI reports as an internal error with its stack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';
import { isTest, sourceFiles } from './importGraph.js';

const BUG = 'a bug if reached';

/**
 * The plain Errors that stay, by file and the start of their message. An
 * entry that no longer matches fails the test, so the list only shrinks.
 */
const ALLOWED: readonly { file: string; message: string; why: string }[] = [
  { file: 'roles/context.ts', message: 'deploy context: no password for', why: `${BUG}: deploy loads every password a role asks for` },
  { file: 'roles/context.ts', message: 'deploy context: no certificate for', why: `${BUG}: deploy issues every host a certificate before the roles run` },
  { file: 'roles/pgbouncer/role.ts', message: 'no memory figure for', why: `${BUG}: deploy gathers the memory before the roles run` },
  { file: 'roles/repmgr/postgres.ts', message: '${i.name}: a replica needs repmgr', why: `${BUG}: a replica in config.yml is what turns repmgr on` },
  { file: 'roles/efm/role.ts', message: '${h.host}: EFM packages need EDB_SUBSCRIPTION_TOKEN', why: `${BUG}: deploy checks the token before connecting` },
  { file: 'roles/efm/role.ts', message: '${h.host}: cluster_vars.edb_repository_url is not set', why: `${BUG}: deploy checks it before connecting` },
  { file: 'src/products/patroni/curlCommand.ts', message: 'Patroni ${req.method} ${req.path}: the REST API password is needed', why: `${BUG}: callers pass the generated password` },
  { file: 'src/products/patroni/clusterStatus.ts', message: 'restart order conflict', why: `${BUG}: the caller refuses a conflict first` },
  { file: 'src/products/patroni/bootstrapPlan.ts', message: 'no instance named', why: `${BUG}: names come from config.yml` },
  { file: 'src/products/patroni/bootstrapPlan.ts', message: '${name}: no Patroni facts gathered', why: `${BUG}: facts are read for every member first` },
  { file: 'src/products/patroni/localConfig.ts', message: '${instance.name}: not a data node', why: `${BUG}: called for data nodes only` },
  { file: 'src/products/etcd/environment.ts', message: '${instance.name}: not an etcd member', why: `${BUG}: called for etcd nodes only` },
  { file: 'src/products/etcd/plan.ts', message: '${name}: no etcd facts gathered', why: `${BUG}: facts are read for every member first` },
  { file: 'src/products/repmgr/scripts.ts', message: 'pgbouncer databases text contains the here-document marker', why: `${BUG}: m1 renders that text` },
  { file: 'src/products/repmgr/runtimeFence.ts', message: 'planned-out: not a number of seconds: ${seconds}', why: `${BUG}: deploy passes a constant` },
  { file: 'src/products/repmgr/runtimeFence.ts', message: 'planned-out: no node named', why: `${BUG}: called only when deploy rewinds a node` },
  { file: 'src/products/pgbouncer/userlist.ts', message: 'userlist.txt: ${ADMIN_USER} needs a SCRAM verifier', why: `${BUG}: m1 computes the verifier` },
  { file: 'src/products/postgres/users.ts', message: 'role ${user}: expected a SCRAM-SHA-256 verifier', why: `${BUG}: m1 computes the verifier` },
  { file: 'src/products/haproxy/config.ts', message: '${instance.name}: not an HAProxy node', why: `${BUG}: called for HAProxy nodes only` },
  { file: 'src/products/efm/pgbouncerRedirect.ts', message: 'redirectScript: the databases line', why: `${BUG}: m1 renders that line` },
  { file: 'src/products/efm/pgbouncerRedirect.ts', message: 'redirectScript: bad unit name', why: `${BUG}: the unit name is m1's` },
  { file: 'src/products/efm/properties.ts', message: 'efmProperties: ${instance.name} is not an EFM node', why: `${BUG}: called for EFM nodes only` },
  { file: 'src/products/efm/properties.ts', message: 'efmProperties: the encrypted password must be one non-empty line', why: `${BUG}: efm encrypt's output is checked when read` },
  { file: 'src/products/efm/version.ts', message: 'not an EFM version', why: `${BUG}: efm_version is checked at load (a ConfigError there)` },
  { file: 'src/products/efm/commands/encrypt.ts', message: 'efm encrypt: the efm password must be one non-empty line', why: `${BUG}: the password is generated` },
  { file: 'src/products/efm/commands/switchover.ts', message: 'efm set-priority: bad priority', why: `${BUG}: priorities are computed` },
  { file: 'src/products/efm/commands/hostCommand.ts', message: 'not a host address', why: `${BUG}: addresses are checked at load` },
  { file: 'src/products/efm/commands/hostCommand.ts', message: 'not an EFM cluster name', why: `${BUG}: the cluster name is checked at load` },
];

interface PlainError {
  file: string;
  line: number;
  message: string;
}

const CHECKED = ['roles/', 'playbooks/', 'src/products/'];

/** Every `new Error(` in the checked folders, with the start of its message as written. */
function plainErrors(): PlainError[] {
  const found: PlainError[] = [];
  for (const file of sourceFiles(packageRoot)) {
    if (isTest(file) || !CHECKED.some((d) => file.startsWith(d))) continue;
    readFileSync(join(packageRoot, file), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        for (const m of text.matchAll(/new Error\(\s*([`'"])?/g)) {
          found.push({ file, line: i + 1, message: text.slice(m.index + m[0].length) });
        }
      });
  }
  return found;
}

const matches = (a: (typeof ALLOWED)[number], e: PlainError) => a.file === e.file && e.message.startsWith(a.message);

describe('errors thrown by roles, playbooks and product knowledge', () => {
  const found = plainErrors();
  it('are typed (HostError, RefusedError, ConfigError, UsageError) unless listed as a bug guard', () => {
    const unlisted = found.filter((e) => !ALLOWED.some((a) => matches(a, e))).map((e) => `${e.file}:${e.line}: new Error(${e.message.slice(0, 60)}`);
    expect(unlisted).toEqual([]);
  });
  it('the list of plain Errors only names ones that still exist', () => {
    const stale = ALLOWED.filter((a) => !found.some((e) => matches(a, e))).map((a) => `${a.file}: ${a.message}`);
    expect(stale).toEqual([]);
  });
  it('finds the plain Errors it checks (the scan itself works)', () => {
    expect(found.length).toBeGreaterThan(0);
  });
});
