import type { JsonObject } from '../../lib/json.js';
import type { Policy } from '../../lib/policy/index.js';
import {
  ENVOY_USER,
  FETCHING_LAUNCHER_SCRIPT,
  LAUNCHER_NAME,
  LAUNCHER_SCRIPT,
  launchArguments,
} from '../../lib/proxy-launcher.js';

export { ENVOY_USER };

/**
 * The container runs the launcher (lib/proxy-launcher.ts) with bash; the launcher checks the
 * credentials and the log level, starts Envoy and drains it on SIGTERM. The script is passed
 * inline, like the config: no image is built, and the root filesystem stays read-only.
 */
export const ENVOY_ENTRYPOINT: readonly string[] = [
  '/bin/bash',
  '-c',
  LAUNCHER_SCRIPT,
  LAUNCHER_NAME,
];

/**
 * The entry point when the config is fetched from S3 (too large to pass inline): the same
 * launcher with the fetch and digest check (lib/proxy-launcher-fetch.ts).
 */
export const FETCHING_ENVOY_ENTRYPOINT: readonly string[] = [
  '/bin/bash',
  '-c',
  FETCHING_LAUNCHER_SCRIPT,
  LAUNCHER_NAME,
];

/** ECS caps a whole task definition at 64 KiB. */
export const MAX_TASK_DEFINITION_BYTES = 64 * 1024;

/**
 * What the rest of the task definition needs besides the entry point and command (roles,
 * secrets, ports, log settings, limits), with room to spare.
 */
export const TASK_DEFINITION_OVERHEAD_BYTES = 6 * 1024;

/** Largest bootstrap passed inline, given the launcher script beside it. */
export const MAX_INLINE_CONFIG_BYTES =
  MAX_TASK_DEFINITION_BYTES -
  TASK_DEFINITION_OVERHEAD_BYTES -
  Buffer.byteLength(JSON.stringify(ENVOY_ENTRYPOINT), 'utf8');

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

export function configDelivery(config: JsonObject): ConfigDelivery {
  return configBytes(config) > MAX_INLINE_CONFIG_BYTES ? 's3' : 'inline';
}

export interface EnvoyCommandOptions {
  /** Environment variables that hold the injected credentials (checked by the launcher). */
  readonly credentialVariables: readonly string[];
  /** Variables the launcher turns into "Bearer <value>" (the Bedrock API key). @default [] */
  readonly bearerVariables?: readonly string[];
  /**
   * Where the launcher fetches the config from when it does not fit inline (an HTTPS URL of
   * the S3 object and its region; tokens are fine).
   * @default - inline; a config too large for inline is refused
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
  const inline = configDelivery(config) === 'inline';
  if (!inline && options.s3 === undefined) {
    throw new Error(
      `the rendered Envoy config is ${Math.ceil(json.length / 1024)} KiB, over the ${Math.floor(MAX_INLINE_CONFIG_BYTES / 1024)} KiB that fit inline in an ECS task definition, and no S3 object was given to fetch it from`,
    );
  }
  const { proxy } = policy;
  return launchArguments({
    config: inline || options.s3 === undefined ? { inline: json } : { s3: options.s3 },
    logLevel: proxy.log_level,
    concurrency: proxy.cpu,
    drainSeconds: proxy.limits.drain_timeout_s,
    admin: proxy.admin === 'loopback',
    credentials: {
      variables: options.credentialVariables,
      bearerVariables: options.bearerVariables ?? [],
    },
  });
}
