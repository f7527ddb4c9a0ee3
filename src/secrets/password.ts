import { randomInt } from 'node:crypto';

/**
 * Letters and digits only: 62^32 is about 190 bits, and a password made of
 * them needs no quoting in a conninfo string, .pgpass, an ini file,
 * userlist.txt or a shell word (TPA's symbols buy nothing but escaping bugs).
 */
export const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export const PASSWORD_LENGTH = 32;

/** A crypto-random password; each character uniform over the alphabet (randomInt rejects biased draws). */
export function generatePassword(length: number = PASSWORD_LENGTH): string {
  if (!Number.isInteger(length) || length < 16) throw new RangeError(`password length ${length}: at least 16`);
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}
