/**
 * The haproxy role: HAProxy 2.6 (Debian) in front of a Patroni cluster
 * (reference 5.7). Pure functions only: haproxy.cfg, the `haproxy -c` check
 * and the deploy steps. See README.md.
 */
export { HAPROXY_CHECK, HAPROXY_CONFIG_PATH, HAPROXY_SERVICE, haproxyConfig, haproxyPorts, haproxyServers } from './config.js';
export type { HaproxyPorts, HaproxyServer } from './config.js';
export { HAPROXY_CANDIDATE_PATH, haproxyValidateCommand } from './validateCommand.js';
export { haproxyDeploySteps } from './plan.js';
export type { HaproxyFacts, HaproxyStep } from './plan.js';
export { HAPROXY_PACKAGES, haproxyRole } from './role.js';
