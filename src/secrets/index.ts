export { generatePassword, PASSWORD_ALPHABET, PASSWORD_LENGTH } from './password.js';
export { checkStoredSecrets, ensureSecret, readSecret, secretPath, secretsDir, SECRETS_DIR, type EnsuredSecret } from './store.js';
export {
  formatScramVerifier,
  parseScramVerifier,
  scramKeys,
  scramVerifier,
  scramVerifierReusing,
  scramVerifies,
  SCRAM_ITERATIONS,
  SCRAM_SALT_BYTES,
  type ScramOptions,
  type ScramParts,
} from './scram.js';
