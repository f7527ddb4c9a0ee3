/**
 * Exit status of every m1 command. Scripts rely on these numbers.
 */
export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** A step failed on a host, or the cluster is degraded. */
  Failed: 1,
  /** Bad flags or bad config: nothing was touched. */
  BadInput: 2,
  /** Refused by a safety check: nothing was changed. */
  Refused: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
