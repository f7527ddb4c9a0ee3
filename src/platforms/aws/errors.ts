/**
 * AWS's errors as m1's: no credentials is exit 2 naming where the SDK looks;
 * rejected credentials exit 2; a full quota (instances, vCPUs, VPCs,
 * gateways...) exit 1 naming the limit and what to do. Anything else: the
 * service's code and message, exit 1.
 */
import { HostError, M1Error, UsageError } from '../../errors.js';

export const CREDENTIAL_VARIABLES = 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE naming a profile of ~/.aws/credentials or ~/.aws/config';

const QUOTA_CODES = new Set([
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'MaxSpotInstanceCountExceeded',
  'VpcLimitExceeded',
  'SubnetLimitExceeded',
  'InternetGatewayLimitExceeded',
  'RouteTableLimitExceeded',
  'SecurityGroupLimitExceeded',
  'RulesPerSecurityGroupLimitExceeded',
  'ResourceLimitExceeded',
  'VolumeLimitExceeded',
  'AddressLimitExceeded',
]);

const AUTH_CODES = new Set(['AuthFailure', 'UnauthorizedOperation', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'RequestExpired']);

interface AwsLike {
  name?: string;
  message?: string;
  Code?: string;
}

const codeOf = (err: unknown): string => {
  const e = err as AwsLike;
  return e.Code ?? e.name ?? 'Error';
};

export function noCredentials(cause: string): UsageError {
  return new UsageError(`AWS: no credentials found (${cause}): set ${CREDENTIAL_VARIABLES}; m1 reads them as the AWS SDK does`);
}

/** `what` names the step (`instance kaboom (t3.micro) in eu-west-1`). */
export function awsError(err: unknown, what: string): M1Error {
  if (err instanceof M1Error) return err;
  const code = codeOf(err);
  const message = ((err as AwsLike).message ?? String(err)).split('\n')[0]!;
  if (code === 'CredentialsProviderError') return noCredentials(message);
  if (AUTH_CODES.has(code)) return new UsageError(`AWS: ${what}: credentials refused (${code}: ${message}): check ${CREDENTIAL_VARIABLES}, and that they may manage EC2`);
  if (QUOTA_CODES.has(code)) {
    return new HostError(
      `AWS: ${what}: quota full (${code}: ${message}): ask for a higher limit in the Service Quotas console for EC2 in that region, or make the cluster smaller (a smaller type, fewer instances); what provision made so far stays and a rerun goes on from there`,
    );
  }
  return new HostError(`AWS: ${what}: ${code}: ${message}`);
}
