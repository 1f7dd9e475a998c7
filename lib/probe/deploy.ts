import { formatProblems, type Problem } from '../errors.js';
import { parseJsonOr } from '../json.js';
import { isWildcard } from '../policy/hosts.js';
import { formatPath, showValue, suggest } from '../policy/issues.js';
import { policyProfiles } from '../policy/profiles.js';
import type { EgressRule, Policy } from '../policy/schema.js';
import { ProbeInputError, type ProbeTargetsInput, resolveTargets } from './targets.js';

/*
 * How the cloud stacks deploy the probe: whether, how often, what happens at deploy time, and
 * what it aims at. Both clouds read the same settings (CDK context `agent-perimeter:probe`,
 * Pulumi config `probe`): `false` turns the probe off, an object adjusts it.
 */

/** What the deploy-time run does. */
export const ON_DEPLOY = ['off', 'run', 'fail-on-escape'] as const;
export type OnDeploy = (typeof ON_DEPLOY)[number];

/** Intervals both EventBridge Scheduler (`rate()`) and Cloud Scheduler (cron) express exactly. */
export const PROBE_INTERVALS = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440] as const;

/** Whether `minutes` is one of {@link PROBE_INTERVALS}. */
export const isProbeInterval = (minutes: unknown): minutes is number =>
  (PROBE_INTERVALS as readonly unknown[]).includes(minutes);

/** What every reader of the settings says after a value that is not a probe interval. */
export const NOT_A_PROBE_INTERVAL = `is not a supported interval. Fix: one of ${PROBE_INTERVALS.join(', ')}.`;

export interface ProbeDeployment {
  readonly enabled: boolean;
  /** Minutes between scheduled runs (one of {@link PROBE_INTERVALS}). */
  readonly everyMinutes: number;
  /**
   * `run`: start one probe when the stack is created or its perimeter changes; `fail-on-escape`:
   * also wait for it and fail the deployment when it finds a way out; `off`: schedule only.
   */
  readonly onDeploy: OnDeploy;
  /** Target overrides on top of {@link probeTargetsFor}'s (validated like a targets file). */
  readonly targets: ProbeTargetsInput;
}

/**
 * What the probe constructs (`ProbeTask`, `ProbeJob`) are given: everything but `enabled`,
 * as whether there is a probe at all is the stack's choice.
 */
export type ProbeSettings = Omit<ProbeDeployment, 'enabled'>;

export const DEFAULT_DEPLOYMENT: ProbeDeployment = {
  enabled: true,
  everyMinutes: 60,
  onDeploy: 'run',
  targets: {},
};

const KEYS = ['enabled', 'everyMinutes', 'onDeploy', 'targets'] as const;

/**
 * Reads the probe settings (`false`, `true`, or an object with {@link KEYS}); JSON text is
 * accepted too, as CDK context given with `-c` arrives as a string. Bad values fail with the
 * path, the value and the fix (exit 2).
 */
export function parseProbeDeployment(raw: unknown, source: string): ProbeDeployment {
  let value = raw;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === 'false' || text === 'off') return { ...DEFAULT_DEPLOYMENT, enabled: false };
    if (text === 'true' || text === 'on' || text === '') return DEFAULT_DEPLOYMENT;
    value = parseJsonOr(
      text,
      () =>
        new ProbeInputError(
          `${source}: "${text}" is neither true, false nor a JSON object. Fix: e.g. false, or {"everyMinutes": 30, "onDeploy": "fail-on-escape"}.`,
        ),
    );
  }
  if (value === undefined || value === null || value === true) return DEFAULT_DEPLOYMENT;
  if (value === false) return { ...DEFAULT_DEPLOYMENT, enabled: false };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ProbeInputError(
      `${source}: ${showValue(value)} is not a probe setting. Fix: false to turn the probe off, or an object with ${KEYS.join(', ')}.`,
    );
  }
  const given = value as Record<string, unknown>;
  const problems: Problem[] = [];
  for (const key of Object.keys(given)) {
    if ((KEYS as readonly string[]).includes(key)) continue;
    const guess = suggest(key, KEYS);
    problems.push({
      path: key,
      message: `${showValue(given[key])}: unknown key. ${guess === undefined ? '' : `Did you mean "${guess}"? `}Fix: use only ${KEYS.join(', ')}.`,
    });
  }
  const out = { ...DEFAULT_DEPLOYMENT };
  // A plain setting is taken as given when it is one of its values, else it is a problem.
  const setting = <K extends 'enabled' | 'everyMinutes' | 'onDeploy'>(
    key: K,
    valid: (v: unknown) => v is ProbeDeployment[K],
    wrong: string,
  ) => {
    const v = given[key];
    if (v === undefined) return;
    if (valid(v)) out[key] = v;
    else problems.push({ path: key, message: `${showValue(v)} ${wrong}` });
  };
  setting('enabled', (v) => typeof v === 'boolean', 'must be true or false.');
  setting('everyMinutes', isProbeInterval, NOT_A_PROBE_INTERVAL);
  setting(
    'onDeploy',
    (v): v is OnDeploy => (ON_DEPLOY as readonly unknown[]).includes(v),
    `must be one of ${ON_DEPLOY.map((o) => `"${o}"`).join(', ')}.`,
  );
  if (given.targets !== undefined) {
    if (typeof given.targets !== 'object' || given.targets === null || Array.isArray(given.targets))
      problems.push({
        path: 'targets',
        message: `${showValue(given.targets)} must be an object of probe targets.`,
      });
    else {
      try {
        resolveTargets(given.targets, `${source} targets`);
        out.targets = given.targets as ProbeTargetsInput;
      } catch (error) {
        if (!(error instanceof ProbeInputError)) throw error;
        problems.push({
          path: formatPath(['targets']),
          message: error.message.split('\n').slice(1).join('; '),
        });
      }
    }
  }
  if (problems.length > 0) {
    throw new ProbeInputError(
      `${source}: invalid probe settings (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${formatProblems(problems, source)}`,
    );
  }
  return out;
}

/** Names tried, in order, as the host and name the policy must not allow. */
const DENIED_CANDIDATES = ['example.com', 'example.net', 'example.org'];

/**
 * The probe runs as the first agent profile (its security group, network tag, listeners), so
 * it tests that profile's allowlist.
 */
function probeEgress(policy: Policy): readonly EgressRule[] {
  return policyProfiles(policy)[0]?.egress ?? policy.egress;
}

/** Whether `host` is covered by an allowlist entry of the probe's profile. */
function allowlisted(policy: Policy, host: string): boolean {
  return probeEgress(policy).some((rule) =>
    isWildcard(rule.host) ? host.endsWith(rule.host.slice(1)) : rule.host === host,
  );
}

/**
 * The targets a deployed probe uses for `policy`: the first allowlisted exact host without
 * `inject` that allows 443 (the proxy refuses CONNECT to injected hosts, which are reached
 * through their base-URL listener), a denied host and name the allowlist does not cover, the
 * public defaults for the rest, then `overrides`. `allowed_host` is null when the policy has
 * no such host (the probe then skips the checks that need an allowed tunnel, saying why).
 */
export function probeTargetsFor(
  policy: Policy,
  overrides: ProbeTargetsInput = {},
  source = 'probe',
): ProbeTargetsInput {
  const allowed = probeEgress(policy).find(
    (rule) =>
      !isWildcard(rule.host) &&
      rule.inject === undefined &&
      // `tls: false` marks opaque ports the proxy does not inspect: not a TLS tunnel to test.
      rule.tls !== false &&
      rule.ports.includes(443),
  );
  const denied = DENIED_CANDIDATES.find((name) => !allowlisted(policy, name)) ?? 'denied.invalid';
  const targets: ProbeTargetsInput = {
    // Without such a host the checks that need an allowed tunnel are skipped, with the reason.
    allowed_host: allowed === undefined ? null : `${allowed.host}:443`,
    denied_host: `${denied}:443`,
    denied_name: denied,
    ...overrides,
  };
  resolveTargets(targets, source);
  return targets;
}
