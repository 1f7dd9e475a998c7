import type { JsonObject } from '../../lib/json.js';
import type { Policy } from '../../lib/policy/index.js';
import type { ProxyCredentialInputs } from '../../lib/proxy-launch-inputs.js';
import {
  ENVOY_USER,
  LAUNCHER_NAME,
  type LauncherLeaves,
  launchArguments,
  launcherScript,
} from '../../lib/proxy-launcher.js';
import { ProxyTierError } from './errors.js';

export { ENVOY_USER };

/**
 * The container runs the launcher (lib/proxy-launcher.ts) with bash; the launcher checks the
 * credentials and the log level, starts Envoy and drains it on SIGTERM. The script is passed
 * inline, like the config: no image is built, and the root filesystem stays read-only. A
 * policy with intercepted hosts gets the larger script that also issues their certificates.
 */
export function envoyEntrypoint(intercepting: boolean, fetchesConfig = false): string[] {
  return ['/bin/bash', '-c', launcherScript(intercepting, fetchesConfig), LAUNCHER_NAME];
}

/** The entry point of a proxy that intercepts nothing. */
export const ENVOY_ENTRYPOINT: readonly string[] = envoyEntrypoint(false);

/**
 * The entry point when the config is fetched from S3 (too large to pass inline): the same
 * launcher with the fetch and digest check (lib/proxy-launcher-fetch.ts).
 */
export const FETCHING_ENVOY_ENTRYPOINT: readonly string[] = envoyEntrypoint(false, true);

/** ECS caps a whole task definition at 64 KiB. */
export const MAX_TASK_DEFINITION_BYTES = 64 * 1024;

/**
 * What the rest of the task definition needs besides the entry point and command (roles,
 * secrets, ports, log settings, limits), with room to spare.
 */
export const TASK_DEFINITION_OVERHEAD_BYTES = 6 * 1024;

/**
 * Largest bootstrap passed inline beside the launcher script and `extraBytes` of other
 * per-policy content (the CA certificate and the certificate directory's init container of
 * an intercepting proxy).
 */
export function maxInlineConfigBytes(intercepting: boolean, extraBytes = 0): number {
  return (
    MAX_TASK_DEFINITION_BYTES -
    TASK_DEFINITION_OVERHEAD_BYTES -
    extraBytes -
    Buffer.byteLength(JSON.stringify(envoyEntrypoint(intercepting)), 'utf8')
  );
}

/** Largest bootstrap passed inline for a proxy that intercepts nothing. */
export const MAX_INLINE_CONFIG_BYTES = maxInlineConfigBytes(false);

/**
 * How the rendered config reaches Envoy on AWS: inline in the task definition when it fits
 * (nothing else to deploy or fetch), else as an S3 object the launcher fetches with the task
 * role and checks against the sha256 the task definition pins (docs/adr/0012).
 */
export type ConfigDelivery = 'inline' | 's3';

/** Bytes of the compact JSON Envoy is given (what is passed inline, uploaded and hashed). */
export function configBytes(config: JsonObject): number {
  return Buffer.byteLength(JSON.stringify(config), 'utf8');
}

export function configDelivery(
  config: JsonObject,
  intercepting = false,
  extraBytes = 0,
): ConfigDelivery {
  return configBytes(config) > maxInlineConfigBytes(intercepting, extraBytes) ? 's3' : 'inline';
}

export interface EnvoyCommandOptions {
  /** The secrets in the container's environment and the header values built from them. */
  readonly credentials: ProxyCredentialInputs;
  /** Leaves to issue at start (intercepted hosts). @default - none */
  readonly leaves?: LauncherLeaves;
  /** Bytes of the task definition the policy adds besides config and launcher. @default 0 */
  readonly extraBytes?: number;
  /**
   * Where the launcher fetches the config from when it does not fit inline (an HTTPS URL of
   * the S3 object and its region; tokens are fine).
   * @default - inline only; a config too large for inline is refused
   */
  readonly s3?: { readonly url: string; readonly region: string };
}

/**
 * The launcher's arguments: Envoy's bootstrap inline (`--config-yaml` takes JSON, a subset of
 * YAML) when it fits, so the config file never exists on disk; else the S3 object to fetch
 * (`options.s3`), read through a pipe. Throws when the config does not fit inline and no S3
 * object is given.
 */
export function envoyCommand(
  policy: Policy,
  config: JsonObject,
  options: EnvoyCommandOptions,
): string[] {
  const json = JSON.stringify(config);
  const bytes = Buffer.byteLength(json, 'utf8');
  const max = maxInlineConfigBytes(options.leaves !== undefined, options.extraBytes ?? 0);
  const inline = bytes <= max;
  if (!inline && options.s3 === undefined) {
    throw new ProxyTierError(
      `the rendered Envoy config is ${Math.ceil(bytes / 1024)} KiB, over the ${Math.floor(max / 1024)} KiB that fit inline in an ECS task definition (64 KiB in all, with the launcher and the rest of the task), so the policy is too large for inline config. Fix: shrink the egress list (one "*.example.com" entry instead of many sibling hosts, only the ports each host needs, no unused entries)).`,
    );
  }
  const { proxy } = policy;
  return launchArguments({
    config: inline || options.s3 === undefined ? { inline: json } : { s3: options.s3 },
    logLevel: proxy.log_level,
    concurrency: proxy.cpu,
    drainSeconds: proxy.limits.drain_timeout_s,
    admin: proxy.admin === 'loopback',
    credentials: { variables: options.credentials.secrets.map((s) => s.variable) },
    formattedCredentials: options.credentials.formatted,
    ...(options.leaves === undefined ? {} : { leaves: options.leaves }),
  });
}
