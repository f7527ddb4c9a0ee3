/**
 * A value in a libpq key=value connection string: bare when it holds only
 * characters libpq reads as one word, else single-quoted with \ and '
 * escaped by a backslash (libpq's conninfo_parse). A cluster directory may
 * hold spaces; a CA file under it goes into sslrootcert.
 */
export function conninfoValue(v: string): string {
  if (v !== '' && /^[A-Za-z0-9_./:@%+,=-]+$/.test(v)) return v;
  return `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** The conninfo part that makes libpq verify the server against the cluster CA and the name it was asked for. */
export function verifyFullConninfo(caFile: string): string {
  return `sslmode=verify-full sslrootcert=${conninfoValue(caFile)}`;
}
