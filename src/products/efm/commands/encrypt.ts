/**
 * `efm encrypt <cluster> --from-env`: EFM stores the efm user's password
 * "encrypted" with a key derived from the cluster name, and only takes the
 * clear text from the terminal or from $EFMPASS. The password reaches the
 * host on stdin, and a shell turns it into EFMPASS for efm alone, so it
 * never appears in argv, in a file, or in the login environment.
 */
import { HostError } from '../../../errors.js';
import type { Cluster } from '../../../inventory/cluster.js';
import { efmPaths, efmVersion } from '../version.js';
import { type HostCommand, assertClusterName } from './hostCommand.js';

// "$0" is the efm binary and "$1" the cluster name, both from argv.
const READ_AND_ENCRYPT = 'IFS= read -r EFMPASS && export EFMPASS && exec "$0" encrypt "$1" --from-env';

export function efmEncryptCommand(cluster: Cluster, password: string): HostCommand {
  if (password === '' || /[\r\n]/.test(password)) {
    throw new Error('efm encrypt: the efm password must be one non-empty line');
  }
  const efm = efmPaths(efmVersion(cluster)).efm;
  return {
    argv: ['sh', '-c', READ_AND_ENCRYPT, efm, assertClusterName(cluster.name)],
    user: 'efm',
    stdin: `${password}\n`,
    secret: true,
    describe: `efm encrypt ${cluster.name} --from-env`,
  };
}

/**
 * The encrypted password from what `efm encrypt --from-env` printed (a hex
 * string on its own line, per EFM's docs). The output is never quoted in the
 * error: it may hold the secret.
 */
export function parseEncryptOutput(stdout: string): string {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const last = lines[lines.length - 1];
  if (last === undefined || !/^[0-9A-Fa-f]{16,}$/.test(last)) {
    throw new HostError(`efm encrypt printed ${lines.length} line(s) but no encrypted password (a hex string) on the last one`);
  }
  return last;
}
