import type { Policy } from '../../lib/policy/index.js';
import { HEALTH_PATH } from '../../lib/proxy-contract.js';
import { httpListener } from './http.js';
import { type JsonObject, TYPE } from './types.js';

export const HEALTH_LISTENER = 'health';

/**
 * Load-balancer health checks: `GET /healthz` answers 200, and 503 once the launcher has failed
 * the health check on SIGTERM (Envoy's `/healthcheck/fail`), so the balancer stops sending new
 * tunnels before shutdown. Every other path is a 404. The listener is exempt from the global
 * connection limit and the overload manager: a saturated task must not look dead, or the
 * orchestrator would replace the busiest task and cut its agents off.
 */
export function healthListener(policy: Policy): JsonObject {
  const listener = httpListener(HEALTH_LISTENER, policy.proxy.health_port, {
    stat_prefix: HEALTH_LISTENER,
    codec_type: 'AUTO',
    route_config: {
      name: HEALTH_LISTENER,
      virtual_hosts: [
        {
          name: HEALTH_LISTENER,
          domains: ['*'],
          routes: [
            {
              name: 'not_found',
              match: { prefix: '/' },
              direct_response: { status: 404 },
            },
          ],
        },
      ],
    },
    http_filters: [
      {
        name: 'envoy.filters.http.health_check',
        typed_config: {
          '@type': TYPE.healthCheck,
          pass_through_mode: false,
          headers: [{ name: ':path', string_match: { exact: HEALTH_PATH } }],
        },
      },
      { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE.router } },
    ],
  });
  return { ...listener, ignore_global_conn_limit: true, bypass_overload_manager: true };
}
