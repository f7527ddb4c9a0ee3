/**
 * ~barman/.pgpass (0600): barman and streaming_barman, for any host, so that
 * following the primary to another host needs no new line.
 */
import { pgpassFile } from '../system/pgpass.js';

export function barmanPgpass(passwords: { barman: string; streaming_barman: string }): string {
  return pgpassFile([
    { host: '*', port: '*', database: '*', user: 'barman', password: passwords.barman },
    { host: '*', port: '*', database: '*', user: 'streaming_barman', password: passwords.streaming_barman },
  ]);
}
