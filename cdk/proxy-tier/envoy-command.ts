import type { JsonObject } from '../../lib/json.js';
import type { Policy } from '../../lib/policy/index.js';
import {
  ENVOY_USER,
  LAUNCHER_NAME,
  LAUNCHER_SCRIPT,
  launchArguments,
} from '../../lib/proxy-launcher.js';
import { ProxyTierError } from './errors.js';

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

export interface EnvoyCommandOptions {
  /** Environment variables that hold the injected credentials (checked by the launcher). */
  readonly credentialVariables: readonly string[];
  /** Variables the launcher turns into "Bearer <value>" (the Bedrock API key). @default [] */
  readonly bearerVariables?: readonly string[];
}

/**
 * The launcher's arguments with Envoy's bootstrap inline (`--config-yaml` takes JSON, a subset
 * of YAML), so the config file never exists on disk. Throws when the config is too large to
 * fit in an ECS task definition.
 */
export function envoyCommand(
  policy: Policy,
  config: JsonObject,
  options: EnvoyCommandOptions,
): string[] {
  const json = JSON.stringify(config);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_INLINE_CONFIG_BYTES) {
    throw new ProxyTierError(
      `the rendered Envoy config is ${Math.ceil(bytes / 1024)} KiB, over the ${Math.floor(MAX_INLINE_CONFIG_BYTES / 1024)} KiB that fit inline in an ECS task definition (64 KiB in all, with the launcher and the rest of the task), so the policy is too large for inline config. Fix: shrink the egress list (one "*.example.com" entry instead of many sibling hosts, only the ports each host needs, no unused entries); the AWS proxy tier has no config-file mode yet.`,
    );
  }
  const { proxy } = policy;
  return launchArguments({
    config: { inline: json },
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
