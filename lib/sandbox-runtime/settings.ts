import { DEFAULT_INTERNAL_RANGES, type Policy, policyProfile } from '../policy/index.js';
import { HOME_CREDENTIAL_FILES } from '../probe/checks/credentials.js';

/*
 * A sandbox-runtime (srt, npm @anthropic-ai/sandbox-runtime) settings file for one agent
 * profile: the laptop and CI layer of the guide (C16). srt confines a process with bubblewrap
 * (Linux) or sandbox-exec (macOS) and runs its own filtering proxy; these settings give that
 * proxy the profile's allowlist and, with a proxy URL, send everything on through our Envoy
 * proxy, so the policy's checks, credential injection and logs apply there too.
 */

/** Ranges an allowed name must never resolve into (srt adds its own built-in set). */
export const SRT_DENIED_RESOLVED = [
  ...DEFAULT_INTERNAL_RANGES,
  '127.0.0.0/8',
  '169.254.0.0/16',
  '0.0.0.0/8',
  'fc00::/7',
  'fe80::/10',
] as const;

/**
 * Credential locations of the guide's C25 list that srt can deny as plain paths (`~` is
 * expanded by srt). Whole directories where a tool keeps several credential files.
 */
export const SRT_DENIED_READS: readonly string[] = [
  ...new Set([
    '~/.ssh',
    '~/.aws',
    '~/.config/gcloud',
    '~/.azure',
    '~/.kube',
    ...HOME_CREDENTIAL_FILES.filter((f) => !/^\.(ssh|aws|config\/gcloud|azure|kube)\//.test(f)).map(
      (f) => `~/${f}`,
    ),
  ]),
];

/** The subset of srt's SandboxRuntimeConfig we write (its zod schema: sandbox-config.js). */
export interface SrtSettings {
  readonly network: {
    readonly allowedDomains: readonly string[];
    readonly deniedDomains: readonly string[];
    readonly strictAllowlist: true;
    readonly deniedResolvedAddresses: readonly string[];
    readonly parentProxy?: {
      readonly http: string;
      readonly https: string;
      readonly noProxy?: string;
    };
  };
  readonly filesystem: {
    readonly denyRead: readonly string[];
    readonly allowWrite: readonly string[];
    readonly denyWrite: readonly string[];
  };
}

export interface SrtResult {
  readonly settings: SrtSettings;
  /** Variables the agent needs inside srt (base URLs of the profile's inject entries). */
  readonly environment: Readonly<Record<string, string>>;
  /** What the settings cannot carry, for the operator. */
  readonly notes: readonly string[];
}

/**
 * The settings for profile `agent` of `policy`. `proxy` is our proxy's forward-proxy URL as
 * the sandboxed process would reach it (e.g. `http://localhost:3128` with `agent-perimeter
 * local`); without it srt dials the allowlist itself and credentials cannot be injected.
 */
export function sandboxRuntimeSettings(policy: Policy, agent: string, proxy?: URL): SrtResult {
  const profile = policyProfile(policy, agent);
  const notes: string[] = [];
  const allowed: string[] = [];
  const environment: Record<string, string> = {};
  for (const rule of profile.egress) {
    if (rule.inject !== undefined) continue;
    for (const port of rule.ports) allowed.push(`${rule.host}:${port}`);
    if (rule.private !== undefined && rule.private !== false) {
      notes.push(
        `"${rule.host}" is internal (\`private\`): srt refuses names that resolve into internal ranges unless the address itself is allowed${proxy === undefined ? '' : ', except through the parent proxy, whose address guard allows its ranges'}.`,
      );
    }
  }
  const baseUrlHosts: string[] = [];
  for (const listener of profile.inject) {
    if (proxy === undefined) {
      notes.push(
        `"${listener.host}" needs the proxy to add its credential (${listener.header}); without --proxy it is left out, since the key never goes into the sandbox.`,
      );
      continue;
    }
    const hostPort = `${proxy.hostname}:${listener.port}`;
    allowed.push(hostPort);
    baseUrlHosts.push(proxy.hostname);
    environment[listener.env] = `http://${hostPort}`;
  }
  const proxyUrl = proxy === undefined ? undefined : `${proxy.protocol}//${proxy.host}`;
  const settings: SrtSettings = {
    network: {
      allowedDomains: [...new Set(allowed)],
      deniedDomains: [],
      strictAllowlist: true,
      deniedResolvedAddresses: [...SRT_DENIED_RESOLVED],
      ...(proxyUrl === undefined
        ? {}
        : {
            parentProxy: {
              http: proxyUrl,
              https: proxyUrl,
              // Base URLs are plain HTTP to the proxy's own listeners, not through its
              // forward proxy (which refuses plain HTTP).
              ...(baseUrlHosts.length === 0
                ? {}
                : { noProxy: [...new Set(baseUrlHosts)].join(',') }),
            },
          }),
    },
    filesystem: {
      denyRead: SRT_DENIED_READS,
      allowWrite: policy.agents.find((a) => a.name === agent)?.scratch.map((s) => s.path) ?? [],
      denyWrite: [],
    },
  };
  notes.push(
    'not expressible as srt paths and so not denied: *.pem, *.key, *-service-account.json and project .env files (globs are platform-specific in srt); keep them out of the working tree.',
  );
  return { settings, environment, notes };
}
