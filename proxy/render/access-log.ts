import type { Json, JsonObject } from '../../lib/json.js';
import { ACCESS_LOG_FIELDS } from '../../lib/proxy-contract.js';
import { TYPE } from './types.js';

/** Access log for one listener; `listener` and `policy` are constants in every line. */
export function accessLog(listener: string, policy: string): Json[] {
  const fields: JsonObject = { ...ACCESS_LOG_FIELDS, listener, policy };
  return [
    {
      name: 'envoy.access_loggers.stdout',
      typed_config: { '@type': TYPE.stdoutLog, log_format: { json_format: fields } },
    },
  ];
}
