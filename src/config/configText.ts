/**
 * A config file's bytes -> its text, refusing what cannot be a config.yml
 * before the YAML parser sees it: anything but a regular file (a FIFO or a
 * device would block or never end), more than 1 MB (a cluster's config.yml
 * is a few kB; parsing grows with size), and bytes that are not UTF-8. Reads
 * are bounded whatever the file claims its size is (files under /proc say 0).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ConfigProblem } from '../errors.js';

export const MAX_CONFIG_BYTES = 1024 * 1024;

/** What kind of thing a non-regular file is, for the message. */
function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Byte offset of the first byte that does not start a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const strict = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) return i;
    if (n > 1) {
      try {
        strict.decode(bytes.subarray(i, i + n)); // overlong forms, surrogates, bad continuation bytes
      } catch {
        return i;
      }
    }
    i += n;
  }
  return -1;
}

export type ConfigText = { text: string } | { problem: ConfigProblem };

/**
 * Reads `file` as config text, or says in one problem why it cannot be one.
 * `missing` is the message for a file that does not exist.
 */
export async function readConfigText(file: string, missing: string): Promise<ConfigText> {
  const problem = (message: string, line?: number): ConfigText => ({ problem: { file, line, path: '', message } });
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return problem(code === 'ENOENT' ? missing : `cannot be read (${code ?? String(err)})`);
  }
  let bytes: Buffer;
  try {
    const st = await handle.stat();
    if (!st.isFile()) return problem(`is ${kindOf(st)}; a config.yml is a regular file`);
    const tooBig = () => problem(`is over 1 MB${st.size > 0 ? ` (${st.size} bytes)` : ''}; a cluster's config.yml is a few kB: is it the right file?`);
    if (st.size > MAX_CONFIG_BYTES) return tooBig();
    bytes = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < bytes.length; length += n) {
      n = (await handle.read(bytes, length, bytes.length - length, length)).bytesRead;
    }
    if (length > MAX_CONFIG_BYTES) return tooBig();
    bytes = bytes.subarray(0, length);
  } catch (err) {
    return problem(`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  } finally {
    await handle.close();
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const line = bytes.subarray(0, bad).filter((b) => b === 0x0a).length + 1;
    return problem(`byte ${bad} (0x${bytes[bad]!.toString(16).padStart(2, '0')}) is not UTF-8; save the file as UTF-8`, line);
  }
  return { text: bytes.toString('utf8') };
}
