import type { JsonObject } from '../../lib/json.js';
import { ProxyTierError } from './errors.js';

/**
 * The Envoy binary in the official images (`envoyproxy/envoy`, `-distroless`, `-contrib`).
 * Run directly rather than through the image's docker-entrypoint.sh: that script only adds
 * `envoy` in front of dash-prefixed arguments and a root-to-`envoy` user switch, which a task
 * already running as uid 101 does not need, and the distroless image has no shell for it.
 */
export const ENVOY_ENTRYPOINT: readonly string[] = ['/usr/local/bin/envoy'];

/** The `envoy` user and group of the official image (Ubuntu `adduser --system`). */
export const ENVOY_USER = '101:101';

/**
 * Largest bootstrap passed inline. ECS caps a whole task definition at 64 KiB; the rest of
 * the container definition (secrets, ports, log settings) needs the remainder.
 */
export const MAX_INLINE_CONFIG_BYTES = 48 * 1024;

export interface EnvoyCommandOptions {
  /** Worker threads; match the task's vCPUs so Envoy does not oversubscribe its CPU quota. */
  readonly concurrency: number;
  /** @default 'info' */
  readonly logLevel?: string;
}

/**
 * Envoy's arguments with the bootstrap inline (`--config-yaml` takes JSON, a subset of YAML),
 * since no image is built: the config file never exists on disk and the root filesystem stays
 * read-only. Throws when the config is too large to fit in an ECS task definition.
 */
export function envoyCommand(config: JsonObject, options: EnvoyCommandOptions): string[] {
  const json = JSON.stringify(config);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_INLINE_CONFIG_BYTES) {
    throw new ProxyTierError(
      `the rendered Envoy config is ${Math.ceil(bytes / 1024)} KiB, over the ${MAX_INLINE_CONFIG_BYTES / 1024} KiB limit for inline config (ECS caps a whole task definition at 64 KiB), so the policy is too large for inline config. Fix: shrink the egress list (one "*.example.com" entry instead of many sibling hosts, only the ports each host needs, no unused entries); the AWS proxy tier has no config-file mode yet.`,
    );
  }
  return [
    '--config-yaml',
    json,
    '--disable-hot-restart',
    '--log-level',
    options.logLevel ?? 'info',
    '--concurrency',
    String(Math.max(1, Math.ceil(options.concurrency))),
  ];
}
