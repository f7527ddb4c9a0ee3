import { describe, expect, it } from 'vitest';
import { scratch } from '../../../test/unit/engine/scratch.js';
import { buildJoinedReads, joinedReadsOutput, joinedReadsToken, parseJoinedReads, splitJoinedReads } from './joinedReads.js';

const tmp = scratch('m1-joined-');

describe('joined reads', () => {
  it("runs each command in its own subshell and gives back each one's output and exit status", async () => {
    const token = joinedReadsToken();
    const commands = ['set -- a b; echo "$#"; printf no-newline', 'echo one; exit 3', "set --; echo \"$#\"; printf '%s\\n' '--m1-part-0000000000000000-- 0'", 'true'];
    const r = await tmp.sh.run(buildJoinedReads(commands, token));
    expect(r.code).toBe(0);
    expect(parseJoinedReads(commands.length, token, r.stdout)).toEqual([
      { stdout: '2\nno-newline', code: 0 },
      { stdout: 'one\n', code: 3 },
      // another token's marker is content, and `set --` in one part does not reach the next
      { stdout: '0\n--m1-part-0000000000000000-- 0\n', code: 0 },
      { stdout: '', code: 0 },
    ]);
  });

  it('says when a part never answered (the output was cut short)', () => {
    const token = joinedReadsToken();
    expect(() => parseJoinedReads(2, token, `x\n--m1-part-${token}-- 0\ny`)).toThrow(/1 of 2 parts answered/);
  });

  it('refuses a token that is not hexadecimal, and an empty list', () => {
    expect(() => buildJoinedReads(['true'], "x'; rm -rf /")).toThrow(/not a token/);
    expect(() => buildJoinedReads([], joinedReadsToken())).toThrow(/no command/);
  });

  it('splits back into its commands, and answers as the shell would (for fake hosts)', async () => {
    const token = joinedReadsToken();
    const commands = ["stat -c '%n' -- '/a; ( b )'", 'systemctl show -- x.service'];
    expect(splitJoinedReads(buildJoinedReads(commands, token))).toEqual({ token, commands });
    expect(splitJoinedReads('systemctl show -- x.service')).toBeUndefined();
    const r = await tmp.sh.run(buildJoinedReads(['printf a', 'echo b; exit 2'], token));
    expect(joinedReadsOutput(token, [{ stdout: 'a', code: 0 }, { stdout: 'b\n', code: 2 }])).toBe(r.stdout);
  });

  it('makes a fresh token each time', () => {
    expect(joinedReadsToken()).not.toBe(joinedReadsToken());
  });
});
