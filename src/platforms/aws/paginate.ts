/**
 * Every page of a Describe* call: AWS returns at most a page of results with
 * a NextToken; a resource on page two is as real as one on page one (a
 * second provision that missed it would create it again).
 */
export async function describeAll<O extends { NextToken?: string }, T>(
  send: (nextToken: string | undefined) => Promise<O>,
  pick: (output: O) => T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  // A bound, so a service that keeps answering with a token cannot loop forever.
  for (let page = 0; page < 1000; page++) {
    const out = await send(token);
    all.push(...(pick(out) ?? []));
    token = out.NextToken;
    if (!token) break;
  }
  return all;
}
