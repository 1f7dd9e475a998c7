import type { Policy } from '../../lib/policy/index.js';
import type { JsonObject } from './types.js';
import { TYPE } from './types.js';

/*
 * Limits that hold when an agent misbehaves. Envoy's defaults (1,024 connections and requests
 * per cluster, no memory action) would cap a task far below `proxy.limits.max_connections`,
 * or let one agent exhaust it for everyone.
 */

/** The share of the task's memory Envoy's heap may use before it sheds load. */
export const HEAP_SHARE = 0.75;

/** Every cluster's circuit breaker: the policy's connection limit, not Envoy's 1,024. */
export function circuitBreakers(policy: Policy): JsonObject {
  const limit = policy.proxy.limits.max_connections;
  return {
    thresholds: [
      {
        priority: 'DEFAULT',
        max_connections: limit,
        max_pending_requests: limit,
        max_requests: limit,
        max_retries: 3,
      },
    ],
  };
}

const threshold = (value: number) => ({ threshold: { value } });

/**
 * A connection cap on the agent-facing listeners (the health listener is exempt), and a heap
 * monitor: near the limit Envoy returns memory to the system, then stops accepting new
 * connections and requests, before the container's memory limit kills it.
 */
export function overloadManager(policy: Policy): JsonObject {
  const heapBytes = Math.floor(policy.proxy.memory_mib * HEAP_SHARE) * 1024 * 1024;
  return {
    refresh_interval: '0.25s',
    resource_monitors: [
      {
        name: 'envoy.resource_monitors.global_downstream_max_connections',
        typed_config: {
          '@type': TYPE.downstreamConnections,
          max_active_downstream_connections: policy.proxy.limits.max_connections,
        },
      },
      {
        name: 'envoy.resource_monitors.fixed_heap',
        typed_config: { '@type': TYPE.fixedHeap, max_heap_size_bytes: heapBytes },
      },
    ],
    actions: [
      {
        name: 'envoy.overload_actions.shrink_heap',
        triggers: [{ name: 'envoy.resource_monitors.fixed_heap', ...threshold(0.9) }],
      },
      {
        name: 'envoy.overload_actions.stop_accepting_connections',
        triggers: [{ name: 'envoy.resource_monitors.fixed_heap', ...threshold(0.95) }],
      },
      {
        name: 'envoy.overload_actions.stop_accepting_requests',
        triggers: [{ name: 'envoy.resource_monitors.fixed_heap', ...threshold(0.98) }],
      },
    ],
  };
}
