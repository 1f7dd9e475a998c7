import type { Policy } from '../../lib/policy/index.js';
import { ACCESS_LOG_FORMATS, type LogType } from '../../lib/proxy-contract.js';
import { type Json, type JsonObject, seconds, TYPE } from './types.js';

/**
 * JSON access log on stdout for one listener; `log_type`, `listener`, `policy` are constants,
 * and so is `profile` on an agent-facing listener (internal hops read it from filter state).
 */
export function accessLog(
  type: LogType,
  listener: string,
  policy: Policy,
  profile?: string,
): Json[] {
  const fields: JsonObject = {
    log_type: type,
    ...ACCESS_LOG_FORMATS[type],
    listener,
    policy: policy.name,
    ...(profile === undefined ? {} : { profile }),
  };
  return [
    {
      name: 'envoy.access_loggers.stdout',
      typed_config: { '@type': TYPE.stdoutLog, log_format: { json_format: fields } },
    },
  ];
}

/**
 * A connection manager logs a request when it ends; a tunnel could stay open for hours. These
 * options also log it when the tunnel is established and then at a fixed interval.
 */
export function tunnelLogOptions(policy: Policy): JsonObject {
  return {
    access_log_flush_interval: seconds(policy.logging.flush_interval_s),
    flush_log_on_tunnel_successfully_established: true,
  };
}
