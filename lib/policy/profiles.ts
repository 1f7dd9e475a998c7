import { UserError } from '../errors.js';
import {
  type InjectedCredential,
  type InjectListener,
  injectedCredential,
  injectListeners,
  isIntercepted,
} from './derived.js';
import type { ModelAccess } from './model-access-schema.js';
import type { EgressRule, Policy } from './schema.js';

/*
 * One perimeter, many profiles. Each agent profile has its own agent-facing listeners (a
 * forward proxy and one base URL per inject entry of its allowlist), so the proxy knows from
 * the listener alone which profile sent a request, and the network lets each profile reach
 * only its own ports. Every platform derives ports, allowlists and environments from here.
 */

/**
 * Agent-facing listener ports one perimeter can give all profiles together: an AWS Network
 * Load Balancer has at most 50 listeners (its default quota), one per agent-facing port.
 */
export const MAX_AGENT_FACING_PORTS = 50;

/** A base-URL listener of one profile. */
export interface ProfileInjectListener extends InjectListener {
  /** The profile whose agents use it. */
  readonly profile: string;
  /** Where its entry is written, e.g. `agents[1].egress[0]` or `egress[0]`. */
  readonly entryPath: string;
}

/**
 * A Bedrock or Vertex AI base-URL listener. Profiles that keep the top-level `model_access`
 * share one (as a one-profile policy always had); a profile with its own `model_access` gets
 * its own, which forwards only its models.
 */
export interface ProfileModelPort {
  readonly port: number;
  /** True for the listener of the top-level `model_access`. */
  readonly shared: boolean;
  /** The profiles that use it. */
  readonly profiles: readonly string[];
  /** Where its access is written: `model_access` or `agents[i].model_access`. */
  readonly path: string;
  readonly access: ModelAccess;
}

/** What one profile may reach, and on which listener ports of the proxy. */
export interface ProfileListeners {
  readonly name: string;
  /** Position in `agents`. */
  readonly index: number;
  /** Where its allowlist is written: `egress` (inherited) or `agents[i].egress` (its own). */
  readonly egressPath: string;
  /** True when the profile sets its own `egress`. */
  readonly ownEgress: boolean;
  /** Its effective allowlist. */
  readonly egress: readonly EgressRule[];
  /** Its HTTP_PROXY / HTTPS_PROXY listener. */
  readonly forwardProxyPort: number;
  /** Its base-URL listeners, in allowlist order. */
  readonly inject: readonly ProfileInjectListener[];
  /** Where its model access is written: `model_access` (inherited) or `agents[i].model_access`. */
  readonly modelAccessPath: string;
  /** Its effective model access. */
  readonly modelAccess: ModelAccess;
  /** Its Bedrock or Vertex AI listener; undefined for the Anthropic API (an `egress` entry). */
  readonly model: ProfileModelPort | undefined;
  /** Every port its agents connect to: the forward proxy, the base URLs, the model listener. */
  readonly agentFacing: readonly number[];
}

/** The inputs the allocation needs; tolerant of entries that failed validation. */
export interface ProfileInputs {
  readonly egress: readonly (EgressRule | undefined)[];
  readonly agents: readonly (
    | {
        readonly name: string;
        readonly egress?: readonly (EgressRule | undefined)[] | undefined;
        readonly proxy_port?: number | undefined;
        readonly model_access?: ModelAccess | undefined;
      }
    | undefined
  )[];
  readonly proxy: Pick<Policy['proxy'], 'port' | 'inject_base_port'> & {
    readonly health_port?: number | undefined;
  };
  /** @default { provider: 'anthropic' } */
  readonly model_access?: ModelAccess | undefined;
}

const ANTHROPIC: ModelAccess = { provider: 'anthropic' };

/**
 * Allocates listeners: profile 0 keeps `proxy.port` and the base URLs from
 * `proxy.inject_base_port` (so a one-profile policy renders as it always did); profile i gets
 * `proxy.port + i` unless it sets `proxy_port`, and base-URL ports continue the count. Model
 * listeners come after every base URL: the shared one first, then each profile's own, each on
 * its `port` or the next free port.
 */
export function allocateProfiles(inputs: ProfileInputs): ProfileListeners[] {
  const out: Omit<ProfileListeners, 'model' | 'agentFacing'>[] = [];
  const facing: number[][] = [];
  let injectCount = 0;
  inputs.agents.forEach((agent, index) => {
    if (agent === undefined) return;
    const own = agent.egress !== undefined;
    const egressPath = own ? `agents[${index}].egress` : 'egress';
    const list = own ? (agent.egress ?? []) : inputs.egress;
    const listeners = injectListeners(list, inputs.proxy.inject_base_port + injectCount);
    // injectListeners numbers from its base; explicit `inject.port` values pass through.
    injectCount += listeners.length;
    const inject = listeners.map((l) => ({
      ...l,
      profile: agent.name,
      entryPath: `${egressPath}[${list.findIndex((r) => r?.host === l.host)}]`,
    }));
    const forwardProxyPort = agent.proxy_port ?? inputs.proxy.port + index;
    const ownModel = agent.model_access !== undefined;
    out.push({
      name: agent.name,
      index,
      egressPath,
      ownEgress: own,
      egress: list.filter((r): r is EgressRule => r !== undefined),
      forwardProxyPort,
      inject,
      modelAccessPath: ownModel ? `agents[${index}].model_access` : 'model_access',
      modelAccess: agent.model_access ?? inputs.model_access ?? ANTHROPIC,
    });
    facing.push([forwardProxyPort, ...inject.map((l) => l.port)]);
  });
  const models = allocateModelPorts(out, facing.flat(), inputs, injectCount);
  return out.map((p, i) => {
    const model = models.find((m) => m.profiles.includes(p.name));
    return {
      ...p,
      model,
      agentFacing: [
        ...new Set([...(facing[i] ?? []), ...(model === undefined ? [] : [model.port])]),
      ],
    };
  });
}

/** The model listeners of the allocated profiles: the shared one, then each profile's own. */
function allocateModelPorts(
  profiles: readonly Omit<ProfileListeners, 'model' | 'agentFacing'>[],
  facing: readonly number[],
  inputs: ProfileInputs,
  injectCount: number,
): ProfileModelPort[] {
  const listened = (a: ModelAccess) => a.provider !== 'anthropic';
  const wanted: Omit<ProfileModelPort, 'port'>[] = [];
  const top = inputs.model_access ?? ANTHROPIC;
  const sharing = profiles.filter((p) => p.modelAccessPath === 'model_access');
  if (listened(top) && sharing.length > 0) {
    wanted.push({
      shared: true,
      profiles: sharing.map((p) => p.name),
      path: 'model_access',
      access: top,
    });
  }
  for (const p of profiles) {
    if (p.modelAccessPath !== 'model_access' && listened(p.modelAccess)) {
      wanted.push({
        shared: false,
        profiles: [p.name],
        path: p.modelAccessPath,
        access: p.modelAccess,
      });
    }
  }
  const fixed = (a: ModelAccess) => (a.provider === 'anthropic' ? undefined : a.port);
  const used = new Set<number>([
    ...facing,
    ...(inputs.proxy.health_port === undefined ? [] : [inputs.proxy.health_port]),
    ...wanted.flatMap((w) => fixed(w.access) ?? []),
  ]);
  let next = inputs.proxy.inject_base_port + injectCount;
  return wanted.map((w) => {
    let port = fixed(w.access);
    if (port === undefined) {
      while (used.has(next)) next += 1;
      port = next;
      used.add(port);
    }
    return { ...w, port };
  });
}

/** The model listeners of a policy, the shared one first; each with the profiles using it. */
export function policyModelPorts(policy: Policy): ProfileModelPort[] {
  const out: ProfileModelPort[] = [];
  for (const p of policyProfiles(policy)) {
    if (p.model !== undefined && !out.some((m) => m.path === p.model?.path)) out.push(p.model);
  }
  return out.sort((a, b) => Number(b.shared) - Number(a.shared));
}

/** Every profile of a validated policy, in `agents` order. */
export function policyProfiles(policy: Policy): ProfileListeners[] {
  return allocateProfiles(policy);
}

/** The profile called `name`; a UserError naming the known profiles when there is none. */
export function policyProfile(policy: Policy, name: string): ProfileListeners {
  const profiles = policyProfiles(policy);
  const found = profiles.find((p) => p.name === name);
  if (found === undefined) {
    throw new UserError(
      `no agent profile "${name}" in policy "${policy.name}". Fix: use one of ${profiles.map((p) => `"${p.name}"`).join(', ')}.`,
    );
  }
  return found;
}

/** True when the policy has more than one profile, so listener names carry the profile. */
export function hasManyProfiles(policy: Pick<Policy, 'agents'>): boolean {
  return policy.agents.length > 1;
}

/**
 * What the proxy as a whole may reach: every profile's allowlist merged by host (ports
 * joined). The policy checker makes entries for one host agree on `tls` and `private`, so the
 * merge loses nothing the shared hops need. Entries no profile uses are left out.
 */
export function proxyEgress(policy: Policy): EgressRule[] {
  const byHost = new Map<string, EgressRule>();
  for (const profile of policyProfiles(policy)) {
    for (const rule of profile.egress) {
      const seen = byHost.get(rule.host);
      if (seen === undefined) byHost.set(rule.host, rule);
      else if (rule.ports.some((p) => !seen.ports.includes(p))) {
        byHost.set(rule.host, { ...seen, ports: [...new Set([...seen.ports, ...rule.ports])] });
      }
    }
  }
  return [...byHost.values()];
}

/** Every profile's base-URL listeners, in profile order. */
export function policyInjectListeners(policy: Policy): ProfileInjectListener[] {
  return policyProfiles(policy).flatMap((p) => p.inject);
}

/**
 * Each profile's agent-facing ports, for the containment verifier; undefined with one
 * profile (its agents may use every agent-facing port).
 */
export function profilePortsOf(policy: Policy): Record<string, number[]> | undefined {
  const profiles = policyProfiles(policy);
  if (profiles.length < 2) return undefined;
  return Object.fromEntries(profiles.map((p) => [p.name, [...p.agentFacing]]));
}

/** `{ profilePorts }` for verifier options when the policy has several profiles, else `{}`. */
export function withProfilePorts(policy: Policy): { profilePorts?: Record<string, number[]> } {
  const ports = profilePortsOf(policy);
  return ports === undefined ? {} : { profilePorts: ports };
}

/** The entries the proxy intercepts (over all profiles), in policy order. */
export function interceptedRules(policy: Policy): EgressRule[] {
  return proxyEgress(policy).filter(isIntercepted);
}

/** Every credential the proxy injects anywhere, once per distinct header variable. */
export function injectedCredentials(policy: Policy): InjectedCredential[] {
  const all = [
    ...policyInjectListeners(policy),
    ...interceptedRules(policy).flatMap((r) =>
      r.inject === undefined ? [] : [injectedCredential(r.inject)],
    ),
  ];
  return all
    .filter((c, i) => all.findIndex((o) => o.headerVariable === c.headerVariable) === i)
    .map((c) => ({
      header: c.header,
      secret: c.secret,
      format: c.format,
      ...(c.username !== undefined ? { username: c.username } : {}),
      credentialVariable: c.credentialVariable,
      headerVariable: c.headerVariable,
    }));
}
