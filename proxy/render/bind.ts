import { type Policy, policyModelListeners, policyProfiles } from '../../lib/policy/index.js';
import { forwardProxyListenerName } from './forward-proxy.js';
import { injectListenerName } from './inject.js';
import type { JsonObject } from './types.js';

/** Agent-facing listener name -> the profiles whose agents use it, in profile order. */
function listenerProfiles(policy: Policy): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const profile of policyProfiles(policy)) {
    out.set(forwardProxyListenerName(policy, profile), [profile.name]);
    for (const l of profile.inject) out.set(injectListenerName(policy, l), [profile.name]);
  }
  for (const l of policyModelListeners(policy)) out.set(l.name, l.profiles);
  return out;
}

function socket(address: string, port: unknown): JsonObject {
  return { socket_address: { address, port_value: port as number } };
}

/**
 * Binds each agent-facing listener to its profiles' addresses instead of every address: the
 * first as `address`, the rest (a model listener profiles share) as `additional_addresses`.
 * Internal listeners and the health listener are left as they are. A profile without an
 * address is a bug in the caller, so it throws.
 */
export function bindToProfiles(
  policy: Policy,
  listeners: readonly JsonObject[],
  addresses: Readonly<Record<string, string>>,
): JsonObject[] {
  const profilesOf = listenerProfiles(policy);
  return listeners.map((listener) => {
    const profiles = profilesOf.get(String(listener.name));
    if (profiles === undefined) return listener;
    const bound = [
      ...new Set(
        profiles.map((p) => {
          const address = addresses[p];
          if (address === undefined) throw new Error(`no listener address for profile "${p}"`);
          return address;
        }),
      ),
    ];
    const port = ((listener.address as JsonObject).socket_address as JsonObject).port_value;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(listener)) {
      if (key !== 'address') {
        out[key] = value;
        continue;
      }
      const [first, ...rest] = bound;
      out.address = socket(first as string, port);
      if (rest.length > 0)
        out.additional_addresses = rest.map((a) => ({ address: socket(a, port) }));
    }
    return out;
  });
}
