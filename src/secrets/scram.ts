/**
 * SCRAM-SHA-256 verifiers as PostgreSQL stores them in pg_authid.rolpassword
 * (RFC 5802 / RFC 7677):
 *
 *   SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>
 *
 *   SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations, 32)
 *   ClientKey = HMAC(SaltedPassword, "Client Key");  StoredKey = SHA-256(ClientKey)
 *   ServerKey = HMAC(SaltedPassword, "Server Key")
 *
 * m1 computes the verifier itself so that no plaintext password ever reaches
 * SQL, and reuses an existing verifier's salt and iteration count so that
 * hashing the same password again yields the same string: a redeploy never
 * changes pg_authid.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_ITERATIONS = 4096; // PostgreSQL's scram_iterations default
export const SCRAM_SALT_BYTES = 16; // PostgreSQL's SCRAM_DEFAULT_SALT_LEN

export interface ScramParts {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;

/** The parts of a verifier, or undefined when the string is not one (md5 hash, plaintext, null). */
export function parseScramVerifier(verifier: string | null | undefined): ScramParts | undefined {
  if (!verifier) return undefined;
  const m = VERIFIER.exec(verifier);
  if (!m) return undefined;
  const iterations = Number(m[1]);
  const salt = Buffer.from(m[2]!, 'base64');
  const storedKey = Buffer.from(m[3]!, 'base64');
  const serverKey = Buffer.from(m[4]!, 'base64');
  if (!Number.isSafeInteger(iterations) || iterations < 1 || salt.length === 0) return undefined;
  if (storedKey.length !== 32 || serverKey.length !== 32) return undefined;
  return { iterations, salt, storedKey, serverKey };
}

/**
 * PostgreSQL runs SASLprep on the password and, when that fails, uses the raw
 * bytes. For ASCII (all m1 generates) SASLprep changes nothing except that
 * control characters make it fail, so the raw bytes are right in every ASCII
 * case. Non-ASCII would need the full stringprep tables: refused, not guessed.
 */
function passwordBytes(password: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(password)) {
    throw new Error('SCRAM verifier: only ASCII passwords are supported');
  }
  return Buffer.from(password, 'utf8');
}

/** SaltedPassword, ClientKey, StoredKey, ServerKey for a password, salt and iteration count. */
export function scramKeys(password: string, salt: Buffer, iterations: number): { saltedPassword: Buffer; clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const saltedPassword = pbkdf2Sync(passwordBytes(password), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return { saltedPassword, clientKey, storedKey, serverKey };
}

export function formatScramVerifier(p: ScramParts): string {
  return `SCRAM-SHA-256$${p.iterations}:${p.salt.toString('base64')}$${p.storedKey.toString('base64')}:${p.serverKey.toString('base64')}`;
}

export interface ScramOptions {
  salt?: Buffer;
  iterations?: number;
}

/** A verifier for `password`: a fresh random 16-byte salt and 4096 iterations unless given. */
export function scramVerifier(password: string, options: ScramOptions = {}): string {
  const salt = options.salt ?? randomBytes(SCRAM_SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new RangeError(`SCRAM iterations ${iterations}`);
  const { storedKey, serverKey } = scramKeys(password, salt, iterations);
  return formatScramVerifier({ iterations, salt, storedKey, serverKey });
}

/** True when `verifier` is a SCRAM verifier of exactly this password. */
export function scramVerifies(password: string, verifier: string | null | undefined): boolean {
  const parts = parseScramVerifier(verifier);
  if (!parts) return false;
  const { storedKey, serverKey } = scramKeys(password, parts.salt, parts.iterations);
  return timingSafeEqual(storedKey, parts.storedKey) && timingSafeEqual(serverKey, parts.serverKey);
}

/**
 * The verifier to store for `password` given what is stored now: the existing
 * salt and iteration count are reused, so the result equals `existing` exactly
 * when the password is unchanged (then nothing needs to be written). Without a
 * usable existing verifier (none, md5, plaintext) a fresh one is made.
 */
export function scramVerifierReusing(password: string, existing: string | null | undefined): string {
  const parts = parseScramVerifier(existing);
  if (!parts) return scramVerifier(password);
  // 4096 rounds of HMAC cost ~4 ms on the event loop; a deploy asks again for the same pair (read-ahead evaluates each role twice).
  const key = `${existing}\n${password}`;
  let verifier = reused.get(key);
  if (verifier === undefined) {
    verifier = scramVerifier(password, { salt: parts.salt, iterations: parts.iterations });
    reused.set(key, verifier);
  }
  return verifier;
}

/** scramVerifierReusing's answers in this process, by existing verifier and password. */
const reused = new Map<string, string>();
