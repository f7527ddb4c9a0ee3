/** Node's network error codes in words, for one-line "unreachable" messages. */
export function describeNetError(e: Error & { code?: string }): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'EHOSTUNREACH':
      return 'no route to host';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
      return 'unknown host name';
    default:
      return e.message.replace(/\s+/g, ' ').toLowerCase();
  }
}
