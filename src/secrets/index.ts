export { generatePassword, PASSWORD_ALPHABET, PASSWORD_LENGTH } from './password.js';
export { checkStoredSecrets, ensureSecret, readSecret, replaceSecret, secretPath, secretsDir, SECRETS_DIR, type EnsuredSecret } from './store.js';
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
export { issueCertificate, newKey, keyPem, type KeyPairPem } from './certificate.js';
export {
  ensureClusterCa,
  ensureHostCertificate,
  hostCertPaths,
  renewalReason,
  storedCertificateExpiry,
  tlsDir,
  CA_DAYS,
  HOST_CERT_DAYS,
  RENEW_DAYS,
  TLS_DIR,
  type ClusterCa,
  type HostCertificate,
  type StoredCertificate,
} from './clusterCa.js';
