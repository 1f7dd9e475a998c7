import { BUNDLE_VARIABLES, CA_ONLY_VARIABLE } from '../ca/trust.js';
import type { Problem } from '../errors.js';
import { parseImageReference } from '../image-registry.js';
import { ADMIN_PORT } from '../proxy-contract.js';
import { credentialName, credentialValue } from './credential-env.js';
import { PROXY_CREDENTIAL_ENV_PREFIX } from './derived.js';
import { isWildcard } from './hosts.js';
import { modelAgentEnvironmentNames } from './model-access.js';
import { modelAccessProblems } from './model-access-checks.js';
import type { ModelAccess } from './model-access-schema.js';
import { FIRST_UNPRIVILEGED_PORT } from './ports.js';
import { allocateProfiles, MAX_AGENT_FACING_PORTS, type ProfileInputs } from './profiles.js';
import type { AgentProfile, EgressRule, Policy } from './schema.js';

/** Variables the blueprint sets for agents; a profile must not override them. */
export const RESERVED_AGENT_ENV = new Set([
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'ALL_PROXY',
  'NODE_USE_ENV_PROXY',
  'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
]);

/**
 * Variables that hold credentials whatever their value: AWS keys, ECS credential endpoints, and
 * the proxy's own credential variables. Agents must never receive them.
 */
export const CREDENTIAL_AGENT_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;

export { PROXY_CREDENTIAL_ENV_PREFIX };

/** The trust variables the blueprint sets when some entry is intercepted. */
const TRUST_AGENT_ENV: readonly string[] = [...BUNDLE_VARIABLES, CA_ONLY_VARIABLE];

/** What the cross-field checks see: entries that parsed on their own, at their original index. */
export interface PartialPolicy {
  /** Every entry's host as written, valid or not, so duplicates are found regardless. */
  readonly hosts: readonly unknown[];
  readonly egress: readonly (EgressRule | undefined)[];
  readonly agents: readonly (AgentProfile | undefined)[];
  readonly proxy: Policy['proxy'] | undefined;
  /** `model_access`, when it parsed. */
  readonly model_access?: ModelAccess | undefined;
  /** Each profile's own `egress`, parsed entry by entry (undefined: the profile has none). */
  readonly agentEgress?: readonly (OwnEgress | undefined)[];
}

/** A profile's own allowlist as the checks see it. */
export interface OwnEgress {
  readonly hosts: readonly unknown[];
  readonly egress: readonly (EgressRule | undefined)[];
}

/** Profiles for the allocation, with their own lists as parsed entry by entry. */
function agentInputs(policy: PartialPolicy): ProfileInputs['agents'] {
  return policy.agents.map((agent, i) => {
    if (agent === undefined) return undefined;
    const own = policy.agentEgress?.[i];
    return {
      name: agent.name,
      proxy_port: agent.proxy_port,
      egress: own?.egress ?? agent.egress,
      model_access: agent.model_access,
    };
  });
}

/**
 * Profiles share the proxy's internal hops per host, so every list that names a host must
 * check it the same way (`tls`, `private`).
 */
function profileProblems(policy: PartialPolicy): Problem[] {
  const problems: Problem[] = [];
  const lists: [string, readonly (EgressRule | undefined)[]][] = [['egress', policy.egress]];
  policy.agentEgress?.forEach((own, i) => {
    if (own !== undefined) lists.push([`agents[${i}].egress`, own.egress]);
  });
  const first = new Map<string, { path: string; rule: EgressRule }>();
  for (const [prefix, list] of lists) {
    list.forEach((rule, j) => {
      if (rule === undefined) return;
      const seen = first.get(rule.host);
      if (seen === undefined) {
        first.set(rule.host, { path: `${prefix}[${j}]`, rule });
        return;
      }
      // An intercepted host has one filter chain for all profiles: its rules and credential too.
      const fields =
        rule.tls === 'intercept'
          ? (['tls', 'private', 'allow', 'inject', 'websocket'] as const)
          : (['tls', 'private'] as const);
      for (const field of fields) {
        if (JSON.stringify(seen.rule[field]) !== JSON.stringify(rule[field])) {
          problems.push({
            path: `${prefix}[${j}].${field}`,
            message: `is ${JSON.stringify(rule[field] ?? null)}, but ${seen.path} sets ${JSON.stringify(seen.rule[field] ?? null)} for "${rule.host}": every profile's tunnels to a host pass the same checks in the proxy. Fix: use the same \`${field}\` in both entries.`,
          });
        }
      }
    });
  }
  return problems;
}

/**
 * Checks that span fields: duplicates, port collisions, and rules that need context. They run
 * even when other fields are invalid, so the user sees every problem at once.
 */
export function semanticProblems(policy: PartialPolicy): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  const wildcards = policy.proxy?.interception?.allow_wildcards === true;
  problems.push(...listProblems('egress', policy.hosts, policy.egress, wildcards));
  policy.agentEgress?.forEach((own, i) => {
    if (own !== undefined)
      problems.push(...listProblems(`agents[${i}].egress`, own.hosts, own.egress, wildcards));
  });
  problems.push(...profileProblems(policy));
  policy.agents.forEach((agent, i) => {
    if (agent === undefined) return;
    const ref = parseImageReference(agent.image);
    if ('problem' in ref) add(`agents[${i}].image`, `"${agent.image}" ${ref.problem}`);
  });

  if (policy.proxy !== undefined) {
    const { proxy } = policy;
    if (proxy.replicas.min > proxy.replicas.max) {
      add(
        'proxy.replicas',
        `min (${proxy.replicas.min}) is greater than max (${proxy.replicas.max}). Fix: make min <= max.`,
      );
    }
    const used = new Map<number, string>();
    const claim = (port: number, path: string, label = path) => {
      if (port > 65535) {
        add(
          path,
          `${port} is not a port (${label} counts past 65535). Fix: set \`proxy_port\` on the profile, or lower proxy.port / proxy.inject_base_port.`,
        );
        return;
      }
      if (port < FIRST_UNPRIVILEGED_PORT) {
        add(
          path,
          `${port} is a privileged port: Envoy runs as a non-root user with all Linux capabilities dropped and cannot bind it. Fix: use a port from ${FIRST_UNPRIVILEGED_PORT} to 65535 (agents reach the proxy through a load balancer listening on the same port).`,
        );
      }
      const owner = used.get(port);
      if (owner !== undefined) {
        add(path, `${port} is already used by ${owner}. Fix: pick a free port.`);
      } else used.set(port, label);
    };
    if (/distroless/.test(proxy.image)) {
      add(
        'proxy.image',
        `"${proxy.image}" has no shell, and the proxy launcher (credential checks, draining on SIGTERM) runs with bash. Fix: use the envoyproxy/envoy image of the same version (or a mirror of it).`,
      );
    }
    const profiles = allocateProfiles({ ...policy, agents: agentInputs(policy), proxy });
    // A shared model listener is one port, however many profiles use it.
    const facing = new Set(profiles.flatMap((p) => p.agentFacing)).size;
    if (facing > MAX_AGENT_FACING_PORTS) {
      add(
        'agents',
        `${profiles.length} profiles need ${facing} agent-facing listener ports (each profile's forward proxy, one per inject entry, and the model listeners), more than the ${MAX_AGENT_FACING_PORTS} listeners an AWS Network Load Balancer allows. Fix: use fewer profiles or inject entries, or split the agents into two perimeters.`,
      );
    }
    for (const profile of profiles) {
      const agent = policy.agents[profile.index];
      const path =
        agent?.proxy_port !== undefined
          ? `agents[${profile.index}].proxy_port`
          : profile.index === 0
            ? 'proxy.port'
            : `agents[${profile.index}]`;
      const label =
        path === `agents[${profile.index}]`
          ? `the forward proxy of profile "${profile.name}" (proxy.port + ${profile.index}; set \`proxy_port\` to move it)`
          : path;
      claim(profile.forwardProxyPort, path, label);
    }
    claim(proxy.health_port, 'proxy.health_port');
    if (proxy.admin === 'loopback') claim(ADMIN_PORT, `proxy.admin (127.0.0.1:${ADMIN_PORT})`);
    const inheriting = profiles.filter((p) => !p.ownEgress);
    for (const profile of profiles) {
      const envs = new Set<string>();
      for (const listener of profile.inject) {
        const fixed = listener.entryPath.startsWith('egress[') && inheriting[0] !== profile;
        const rule = policy.egress[Number(/\[(\d+)\]$/.exec(listener.entryPath)?.[1])];
        if (fixed && rule?.inject?.port !== undefined) {
          if (inheriting[1] === profile) {
            add(
              `${listener.entryPath}.inject.port`,
              `is fixed at ${listener.port}, but ${inheriting.length} profiles (${inheriting.map((p) => `"${p.name}"`).join(', ')}) use the top-level \`egress\` and each needs its own base-URL listener. Fix: remove \`port\` (each profile then gets the next free port from proxy.inject_base_port), or give those profiles their own \`egress\`.`,
            );
          }
        } else {
          const where =
            profile.ownEgress || profiles.length === 1 ? '' : ` (profile "${profile.name}")`;
          claim(
            listener.port,
            `${listener.entryPath}.inject.port`,
            `${listener.entryPath}.inject.port${where}`,
          );
        }
        if (envs.has(listener.env) || RESERVED_AGENT_ENV.has(listener.env)) {
          add(
            `${listener.entryPath}.inject.env`,
            `"${listener.env}" is already set for agents. Fix: give this entry its own \`env\` name.`,
          );
        }
        envs.add(listener.env);
      }
    }
    const models = new Map(
      profiles.flatMap((p) => (p.model === undefined ? [] : [[p.model.path, p.model]])),
    );
    for (const model of models.values()) {
      const label =
        model.access.provider !== 'anthropic' && model.access.port !== undefined
          ? `${model.path}.port`
          : `the model listener of ${model.shared ? '`model_access`' : `profile "${model.profiles[0]}"`} (the next free port after the base URLs; set \`${model.path}.port\` to move it)`;
      claim(model.port, `${model.path}.port`, label);
    }
  }
  if (policy.model_access !== undefined) problems.push(...modelAccessProblems(policy.model_access));
  policy.agents.forEach((agent, i) => {
    if (agent?.model_access !== undefined) {
      problems.push(...modelAccessProblems(agent.model_access, `agents[${i}].model_access`));
    }
  });
  problems.push(...modelAgreementProblems(policy));
  if (policy.egress.length === 0) {
    const inheriting = policy.agents.findIndex(
      (a, i) => a !== undefined && a.egress === undefined && policy.agentEgress?.[i] === undefined,
    );
    if (inheriting >= 0) {
      add(
        'egress',
        `is empty, but agents[${inheriting}] ("${policy.agents[inheriting]?.name}") has no \`egress\` of its own and would reach nothing. Fix: list the hosts agents need here, or give every profile its own \`egress\`.`,
      );
    }
  }

  const listenerEnvs = new Map<number, Set<string>>();
  if (policy.proxy !== undefined) {
    for (const p of allocateProfiles({
      ...policy,
      agents: agentInputs(policy),
      proxy: policy.proxy,
    })) {
      listenerEnvs.set(p.index, new Set(p.inject.map((l) => l.env)));
    }
  }
  const modelEnvOf = (name: string) =>
    new Set(
      policy.proxy === undefined
        ? []
        : modelAgentEnvironmentNames(
            { ...policy, agents: agentInputs(policy), proxy: policy.proxy },
            name,
          ),
    );
  const interceptionOn = [
    ...policy.egress,
    ...(policy.agentEgress ?? []).flatMap((own) => own?.egress ?? []),
  ].some((r) => r?.tls === 'intercept');
  const names = new Map<string, number>();
  policy.agents.forEach((agent, i) => {
    if (agent === undefined) return;
    const seen = names.get(agent.name);
    if (seen !== undefined) {
      add(
        `agents[${i}].name`,
        `"${agent.name}" is used twice (also agents[${seen}]). Fix: rename one profile.`,
      );
    } else names.set(agent.name, i);
    const modelEnv = modelEnvOf(agent.name);
    const reviewed = new Set(agent.environment_not_credentials);
    for (const name of reviewed) {
      if (!(name in agent.environment)) {
        add(
          `agents[${i}].environment_not_credentials`,
          `names "${name}", which \`environment\` does not set. Fix: remove it from the list.`,
        );
      }
    }
    for (const [key, value] of Object.entries(agent.environment)) {
      const path = `agents[${i}].environment.${key}`;
      if (RESERVED_AGENT_ENV.has(key) || (interceptionOn && TRUST_AGENT_ENV.includes(key))) {
        add(path, 'is set by agent-perimeter to route traffic through the proxy. Fix: remove it.');
        continue;
      }
      if (
        (CREDENTIAL_AGENT_ENV as readonly string[]).includes(key) ||
        key.startsWith(PROXY_CREDENTIAL_ENV_PREFIX)
      ) {
        add(
          path,
          'is a credential variable. Agents must never hold credentials: AWS access goes in `aws_access`, API keys in an `inject` rule the proxy applies. Fix: remove it.',
        );
        continue;
      }
      if (modelEnv.has(key)) {
        const where =
          agent.model_access === undefined ? 'model_access' : `agents[${i}].model_access`;
        const access = agent.model_access ?? policy.model_access;
        add(
          path,
          `is set by agent-perimeter from \`${where}\` (${access?.provider}). Fix: remove it; pin models with \`${where}.default_model\` and \`${where}.pins\`.`,
        );
        continue;
      }
      if (listenerEnvs.get(i)?.has(key)) {
        add(
          path,
          "is set by agent-perimeter to the proxy's credential-injecting base URL. Fix: remove it (change `egress[].inject.env` to rename it).",
        );
        continue;
      }
      if (reviewed.has(key)) continue;
      const secret = credentialValue(value);
      if (secret !== undefined) {
        add(
          path,
          `looks like ${secret}. Agents must never hold credentials: store it in the secret store, add an \`inject\` rule so the proxy adds it, and remove it here (or list "${key}" in \`agents[${i}].environment_not_credentials\` if this is not a credential).`,
        );
        continue;
      }
      const name = credentialName(key);
      if (name !== undefined) {
        add(
          path,
          `is a name that by convention holds ${name}. Agents must never hold credentials. Fix: store the credential in the secret store and let the proxy add it (an \`inject\` rule on the host that needs it), and remove the variable; if it holds no credential, list "${key}" in \`agents[${i}].environment_not_credentials\`.`,
        );
      }
    }
    const paths = new Set<string>();
    agent.scratch.forEach((s, j) => {
      if (/^\/(proc|sys|dev)(\/|$)/.test(s.path)) {
        add(
          `agents[${i}].scratch[${j}].path`,
          `"${s.path}" is a kernel filesystem the runtime manages. Fix: use a directory such as /tmp or /home/agent.`,
        );
      }
      if (s.path === '/' || paths.has(s.path)) {
        add(
          `agents[${i}].scratch[${j}].path`,
          `"${s.path}" ${s.path === '/' ? 'would make the whole root filesystem writable' : 'is listed twice'}. Fix: use distinct directories such as /tmp.`,
        );
      }
      paths.add(s.path);
    });
  });
  return problems;
}

/** Checks of one allowlist: the top-level `egress` or a profile's own, at `prefix`. */
function listProblems(
  prefix: string,
  hosts: readonly unknown[],
  egress: readonly (EgressRule | undefined)[],
  allowWildcards: boolean,
): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const firstIndex = new Map<string, number>();
  hosts.forEach((host, i) => {
    if (typeof host !== 'string') return;
    const seen = firstIndex.get(host);
    if (seen !== undefined) {
      add(
        `${prefix}[${i}].host`,
        `"${host}" is listed twice (also ${prefix}[${seen}]). Fix: merge the entries' ports into one.`,
      );
    } else firstIndex.set(host, i);
  });
  egress.forEach((rule, i) => {
    if (rule === undefined) return;
    const ports = new Set<number>();
    rule.ports.forEach((p, j) => {
      if (ports.has(p))
        add(`${prefix}[${i}].ports[${j}]`, `${p} is listed twice. Fix: remove the copy.`);
      ports.add(p);
    });
    const intercepted = rule.tls === 'intercept';
    if (rule.inject !== undefined && isWildcard(rule.host) && !intercepted) {
      add(
        `${prefix}[${i}].inject`,
        `cannot inject into a wildcard host ("${rule.host}"): the base-URL listener forwards to one host. Fix: add an entry for the exact host that needs the credential.`,
      );
    }
    if (rule.allow !== undefined && rule.inject === undefined && !intercepted) {
      add(
        `${prefix}[${i}].allow`,
        `request rules need requests the proxy can read, and without \`inject\` or \`tls: intercept\` "${rule.host}" is reached only through end-to-end TLS tunnels. Fix: add \`tls: intercept\` (the proxy then terminates TLS with the private CA), add \`inject\` (the agent then uses the entry's base URL), or remove \`allow\`.`,
      );
    }
    if (intercepted && isWildcard(rule.host) && !allowWildcards) {
      add(
        `${prefix}[${i}].tls`,
        `intercepts the wildcard "${rule.host}": the proxy would hold a certificate for every name under it${rule.inject !== undefined ? ' and send the credential to each' : ''}. Fix: intercept exact hosts only, or set \`proxy.interception.allow_wildcards: true\` to accept that.`,
      );
    }
    if (rule.websocket !== undefined && !intercepted) {
      add(
        `${prefix}[${i}].websocket`,
        `applies only to intercepted entries; tunnels to "${rule.host}" carry whatever the TLS holds. Fix: remove \`websocket\`, or set \`tls: intercept\`.`,
      );
    }
    if (rule.inject !== undefined) {
      const { format, username } = rule.inject;
      if (format === 'basic' && username === undefined) {
        add(
          `${prefix}[${i}].inject.username`,
          'is required with `format: basic` (the header is "Basic base64(<username>:<secret>)"). Fix: add e.g. `username: x-access-token` (GitHub).',
        );
      }
      if (format !== 'basic' && username !== undefined) {
        add(
          `${prefix}[${i}].inject.username`,
          `is used only with \`format: basic\` (format is "${format}"). Fix: remove it, or set \`format: basic\`.`,
        );
      }
      if (intercepted && (rule.inject.port !== undefined || rule.inject.env !== undefined)) {
        add(
          `${prefix}[${i}].inject.${rule.inject.port !== undefined ? 'port' : 'env'}`,
          `configures a base-URL listener, but "${rule.host}" is intercepted: agents use https://${rule.host} itself. Fix: remove \`port\` and \`env\`.`,
        );
      }
    }
    rule.allow?.forEach((r, j) => {
      if (r.git_repo !== undefined && !intercepted) {
        add(
          `${prefix}[${i}].allow[${j}].git_repo`,
          `git clients use https://${rule.host} directly, never a base URL. Fix: set \`tls: intercept\` on this entry.`,
        );
      }
    });
    if (rule.tls === false && rule.inject !== undefined) {
      add(
        `${prefix}[${i}].tls`,
        `is false, but "${rule.host}" has \`inject\`, so agents reach it only through its base URL, never through a tunnel. Fix: remove \`tls: false\`.`,
      );
    }
    const rules = new Set<string>();
    rule.allow?.forEach((r, j) => {
      const key =
        r.git_repo !== undefined
          ? `git ${r.git_repo}`
          : `${r.method} ${r.path ?? `${r.path_prefix}*`}`;
      if (rules.has(key))
        add(`${prefix}[${i}].allow[${j}]`, `${key} is listed twice. Fix: remove the copy.`);
      rules.add(key);
    });
  });

  return problems;
}

/**
 * Every Bedrock or Vertex AI access a profile uses must agree on what the deployment has once:
 * the provider (one cloud identity serves them), the region (one bedrock-runtime endpoint, one
 * Vertex AI host) and the Bedrock API key secret or the Vertex AI project. Models may differ.
 */
function modelAgreementProblems(policy: PartialPolicy): Problem[] {
  const used: { path: string; access: ModelAccess }[] = [];
  const top = policy.model_access;
  const inherits = policy.agents.some((a) => a !== undefined && a.model_access === undefined);
  if (top !== undefined && top.provider !== 'anthropic' && inherits) {
    used.push({ path: 'model_access', access: top });
  }
  policy.agents.forEach((a, i) => {
    if (a?.model_access !== undefined && a.model_access.provider !== 'anthropic') {
      used.push({ path: `agents[${i}].model_access`, access: a.model_access });
    }
  });
  const [first, ...rest] = used;
  if (first === undefined) return [];
  const problems: Problem[] = [];
  const fieldsOf = (a: ModelAccess): Record<string, string | undefined> =>
    a.provider === 'bedrock'
      ? { provider: a.provider, region: a.region, api_key_secret: a.api_key_secret }
      : a.provider === 'vertex'
        ? { provider: a.provider, region: a.region, project: a.project }
        : { provider: a.provider };
  const want = fieldsOf(first.access);
  for (const other of rest) {
    const got = fieldsOf(other.access);
    const field = ['provider', 'region', 'project', 'api_key_secret'].find(
      (f) => (f in want || f in got) && want[f] !== got[f],
    );
    if (field === undefined) continue;
    const shown = (v: string | undefined) => (v === undefined ? 'not set' : `"${v}"`);
    problems.push({
      path: `${other.path}.${field}`,
      message: `is ${shown(got[field])}, but ${first.path}.${field} is ${shown(want[field])}: one proxy serves every profile's model calls with one cloud identity${field === 'provider' ? '' : field === 'region' ? ' through one endpoint' : ''}. Fix: use ${shown(want[field])} here too, or use provider "anthropic" for one of them.`,
    });
  }
  return problems;
}
