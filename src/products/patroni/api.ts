/**
 * Where m1 reaches a member's Patroni REST API, and how curl checks it.
 *
 * The API speaks TLS with the host's certificate, signed by the cluster CA
 * (restapi.certfile in patroni.yml), and curl verifies it against the CA
 * (`--cacert`, `--proto =https`: never a fallback to plain HTTP). The
 * certificate names the host and its addresses, not 127.0.0.1, so a member
 * asks its own API under its own name with `--resolve <name>:<port>:127.0.0.1`:
 * the name is verified, the connection stays on the loopback.
 */
import { CA_CERT_PATH } from '../postgres/certificates.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { instanceAddress } from '../etcd/members.js';
import { patroniRestPort } from './settings.js';

export interface PatroniApi {
  /** https://<name or address>:<port> (http:// only for an API not yet switched to TLS). */
  url: string;
  /** The CA file on the host curl runs on (https). */
  caFile?: string;
  /** curl --resolve <name>:<port>:<address>: the URL's name, reached at another address. */
  resolve?: string;
}

/** A member's API as other hosts reach it: its address (named in its certificate). */
export function patroniApi(cluster: Cluster, instance: Instance): PatroniApi {
  return { url: `https://${instanceAddress(instance)}:${patroniRestPort(cluster, instance)}`, caFile: CA_CERT_PATH };
}

/** A member's API from the member itself: its name, on the loopback. */
export function patroniLocalApi(cluster: Cluster, instance: Instance): PatroniApi {
  return localApi(instance.name, patroniRestPort(cluster, instance));
}

export function localApi(name: string, port: number): PatroniApi {
  return { url: `https://${name}:${port}`, caFile: CA_CERT_PATH, resolve: `${name}:${port}:127.0.0.1` };
}

/** curl's options for reaching `api`: TLS only, verified against the cluster CA. */
export function curlTlsArgs(api: PatroniApi): string[] {
  if (!api.url.startsWith('https://')) return [];
  return ['--proto', '=https', ...(api.caFile ? ['--cacert', api.caFile] : []), ...(api.resolve ? ['--resolve', api.resolve] : [])];
}
