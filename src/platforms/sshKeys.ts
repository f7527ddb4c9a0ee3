/**
 * Moved to src/ssh/keys.ts (shared with the engine). Kept only so that
 * roles/common/sshKeys.ts builds until it imports from there; remove then.
 */
export * from '../ssh/keys.js';
