/** How far behind the primary (bytes of WAL) a switchover target may be unless told otherwise: 16 MB, one WAL segment. */
export const DEFAULT_MAX_LAG = 16 * 1024 * 1024;
