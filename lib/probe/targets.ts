import { isIP } from 'node:net';
import { formatProblems, type Problem, UserError } from '../errors.js';
import { parseJsonOr } from '../json.js';
import { formatPath, showValue, suggest } from '../policy/issues.js';

/*
 * What the probe aims at. Every target has a default, so `agent-perimeter probe --proxy ...`
 * runs the whole battery against public addresses; a targets file (JSON) overrides any key,
 * e.g. to point the probe at your own canary hosts or at an isolated test network. The key
 * names are an interface operators script against: keep them.
 */

/** An address and port to dial directly: `1.1.1.1:443`, `[2606:4700:4700::1111]:443`. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** As written: what reports show. */
  readonly text: string;
}

/** A DNS name (and port) to CONNECT to through the proxy: `registry.npmjs.org:443`. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
  readonly text: string;
}

export interface ProbeTargets {
  /**
   * An allowlisted host WITHOUT `inject` (those are reached through their base-URL listener);
   * `null` when the policy has none: the checks that need an allowed tunnel are skipped.
   */
  readonly allowed_host: HostPort | null;
  /** A host the policy does not allow. */
  readonly denied_host: HostPort;
  /** Public IPv4 `addr:port`s dialled directly, bypassing the proxy. */
  readonly public_ipv4: readonly Endpoint[];
  /** Public IPv6 `[addr]:port`s dialled directly. */
  readonly public_ipv6: readonly Endpoint[];
  /** `addr:port`s sent one UDP datagram each (DNS on 53, NTP on 123, QUIC on 443). */
  readonly udp: readonly Endpoint[];
  /** Public resolvers asked directly, over UDP and TCP. */
  readonly resolvers: readonly Endpoint[];
  /** Metadata URLs that must not answer with credentials. */
  readonly metadata: readonly string[];
  /** A name the system resolver must not resolve. */
  readonly denied_name: string;
  /**
   * A domain whose authoritative server you watch: the probe looks up a unique
   * `<nonce>.<canary_domain>`, which must never reach it.
   */
  readonly canary_domain?: string;
  /** Base-URL listeners to call. @default - every `*_BASE_URL` variable that points at the proxy */
  readonly base_urls?: readonly string[];
  /** How long one network attempt may take. */
  readonly timeout_ms: number;
}

/** What a targets file may contain: every key optional. */
export type ProbeTargetsInput = { readonly [K in keyof ProbeTargets]?: unknown };

/** Environment variable the container entrypoint reads the targets (JSON) from. */
export const TARGETS_ENV = 'AGENT_PERIMETER_PROBE_TARGETS';

/**
 * The defaults: public anycast services that answer on these ports (Cloudflare, Google), so a
 * path that is open shows up as an escape, and the cloud metadata endpoints.
 */
export const DEFAULT_TARGETS = {
  allowed_host: 'registry.npmjs.org:443',
  denied_host: 'example.com:443',
  public_ipv4: ['1.1.1.1:443', '1.1.1.1:80', '8.8.8.8:443', '1.1.1.1:22'],
  public_ipv6: ['[2606:4700:4700::1111]:443', '[2001:4860:4860::8888]:443'],
  udp: ['1.1.1.1:53', '162.159.200.1:123', '1.1.1.1:443'],
  resolvers: ['1.1.1.1:53', '8.8.8.8:53', '[2606:4700:4700::1111]:53'],
  metadata: [
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
  ],
  denied_name: 'example.com',
  timeout_ms: 5000,
} as const satisfies ProbeTargetsInput;

type Kind = 'host' | 'endpoints4' | 'endpoints6' | 'endpoints' | 'urls' | 'name' | 'timeout';

/** Every key the targets file accepts, with how to read it and what it is for. */
export const TARGET_KEYS: Readonly<Record<keyof ProbeTargets, { kind: Kind; doc: string }>> = {
  allowed_host: {
    kind: 'host',
    doc: 'allowlisted host without inject, CONNECTed through the proxy (must work); null: none',
  },
  denied_host: { kind: 'host', doc: 'host outside the allowlist (the proxy must refuse it)' },
  public_ipv4: { kind: 'endpoints4', doc: 'IPv4 addr:port list dialled directly (must fail)' },
  public_ipv6: { kind: 'endpoints6', doc: 'IPv6 [addr]:port list dialled directly (must fail)' },
  udp: { kind: 'endpoints', doc: 'addr:port list sent a UDP datagram (must get no answer)' },
  resolvers: { kind: 'endpoints', doc: 'resolvers asked directly over UDP and TCP (must fail)' },
  metadata: { kind: 'urls', doc: 'metadata URLs (must not answer with a credential)' },
  denied_name: { kind: 'name', doc: 'name the system resolver must not resolve' },
  canary_domain: {
    kind: 'name',
    doc: 'domain whose authoritative server must never see the probe nonce',
  },
  base_urls: {
    kind: 'urls',
    doc: 'base-URL listeners to call (default: *_BASE_URL variables pointing at the proxy)',
  },
  timeout_ms: { kind: 'timeout', doc: 'milliseconds one network attempt may take (100-60000)' },
};

const KNOWN = Object.keys(TARGET_KEYS) as (keyof ProbeTargets)[];
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?$/;

/** A DNS name (letters, digits, "-", "_", dots), not an IP literal. */
function dnsNameProblem(name: string): string | undefined {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (isIP(bare.replace(/^\[|\]$/g, '')) !== 0)
    return 'is an IP literal. Fix: give a DNS name such as "example.com".';
  if (bare.length === 0 || bare.length > 253 || !bare.split('.').every((l) => LABEL.test(l)))
    return 'is not a DNS name. Fix: lowercase labels of letters, digits and "-", e.g. "example.com".';
  return undefined;
}

function parseHost(value: string): HostPort | string {
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  const name = m?.[1];
  if (m === null || name === undefined)
    return 'is not NAME or NAME:PORT. Fix: e.g. "registry.npmjs.org" or "registry.npmjs.org:443".';
  const problem = dnsNameProblem(name);
  if (problem !== undefined) return problem;
  const port = m[2] === undefined ? 443 : Number(m[2]);
  if (port < 1 || port > 65535) return 'has a port outside 1-65535. Fix: e.g. ":443".';
  return { host: name, port, text: `${name}:${port}` };
}

function parseEndpoint(value: string, want: 4 | 6 | undefined): Endpoint | string {
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(value);
  const v4 = /^([0-9.]+):(\d{1,5})$/.exec(value);
  const m = v6 ?? v4;
  const example =
    want === 6
      ? '"[2606:4700:4700::1111]:443"'
      : want === 4
        ? '"1.1.1.1:443"'
        : '"1.1.1.1:53" or "[2606:4700:4700::1111]:53"';
  if (m === null || m[1] === undefined || m[2] === undefined) {
    const hint =
      isIP(value) === 6
        ? ' IPv6 addresses go in brackets.'
        : isIP(value) === 4
          ? ' Add the port.'
          : '';
    return `is not ADDRESS:PORT with an IP address.${hint} Fix: e.g. ${example}.`;
  }
  const family = isIP(m[1]);
  if (family === 0 || (v6 !== null && family !== 6) || (v4 !== null && family !== 4))
    return `is not an IP address and port. Fix: e.g. ${example}.`;
  if (want !== undefined && family !== want)
    return `is IPv${family}, this list takes IPv${want}. Fix: e.g. ${example}.`;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `has a port outside 1-65535. Fix: e.g. ${example}.`;
  return { address: m[1], port, family: family as 4 | 6, text: value };
}

function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL. Fix: e.g. "http://169.254.169.254/latest/meta-data/iam/security-credentials/".';
  }
  if (url.protocol !== 'http:')
    return `uses ${url.protocol}; metadata and base-URL listeners speak plain HTTP. Fix: use an http:// URL.`;
  return undefined;
}

/** Defaults as parsed targets (the defaults are valid by construction; a test keeps them so). */
export function defaultTargets(): ProbeTargets {
  return resolveTargets({}, 'defaults');
}

/**
 * Validates a targets document (already parsed JSON) and fills in the defaults. Every problem
 * is reported at once, each with its path, value and fix; the error exits 2.
 */
export function resolveTargets(input: unknown, source: string): ProbeTargets {
  const problems: Problem[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ProbeInputError(
      `${source}: the targets must be a JSON object such as {"allowed_host": "registry.npmjs.org"}. Fix: write an object whose keys are ${KNOWN.join(', ')}.`,
    );
  }
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key in TARGET_KEYS) continue;
    const guess = suggest(key, KNOWN);
    problems.push({
      path: key,
      message: `${showValue(given[key])}: unknown key. ${guess === undefined ? '' : `Did you mean "${guess}"? `}Fix: use only ${KNOWN.join(', ')}.`,
    });
  }
  const out: Record<string, unknown> = {};
  for (const key of KNOWN) {
    const { kind } = TARGET_KEYS[key];
    const value = key in given ? given[key] : (DEFAULT_TARGETS as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const bad = (path: PropertyKey[], v: unknown, message: string) =>
      problems.push({ path: formatPath(path), message: `${showValue(v)} ${message}` });
    if (kind === 'timeout') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 60000)
        bad(
          [key],
          value,
          'is not a whole number of milliseconds from 100 to 60000. Fix: e.g. 5000.',
        );
      else out[key] = value;
      continue;
    }
    if (key === 'allowed_host' && value === null) {
      out[key] = null;
      continue;
    }
    if (kind === 'host' || kind === 'name') {
      if (typeof value !== 'string') {
        bad(
          [key],
          value,
          `must be a string. Fix: e.g. "${kind === 'host' ? 'example.com:443' : 'example.com'}".`,
        );
        continue;
      }
      if (kind === 'host') {
        const parsed = parseHost(value);
        if (typeof parsed === 'string') bad([key], value, parsed);
        else out[key] = parsed;
      } else {
        const problem = dnsNameProblem(value);
        if (problem !== undefined) bad([key], value, problem);
        else out[key] = value.replace(/\.$/, '');
      }
      continue;
    }
    if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) {
      bad([key], value, 'must be a list of strings. Fix: e.g. ["1.1.1.1:443"].');
      continue;
    }
    const items: unknown[] = [];
    value.forEach((item: string, i) => {
      if (kind === 'urls') {
        const problem = urlProblem(item);
        if (problem === undefined) items.push(item);
        else bad([key, i], item, problem);
        return;
      }
      const want = kind === 'endpoints4' ? 4 : kind === 'endpoints6' ? 6 : undefined;
      const parsed = parseEndpoint(item, want);
      if (typeof parsed === 'string') bad([key, i], item, parsed);
      else items.push(parsed);
    });
    out[key] = items;
  }
  if (problems.length > 0) {
    throw new ProbeInputError(
      `${source}: invalid probe targets (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${formatProblems(problems, source)}`,
    );
  }
  return out as unknown as ProbeTargets;
}

/** Parses targets JSON text (a file or {@link TARGETS_ENV}). */
export function parseTargets(text: string, source: string): ProbeTargets {
  const json = parseJsonOr(
    text,
    (detail) =>
      new ProbeInputError(
        `${source}: not JSON (${detail}). Fix: write a JSON object, e.g. {"allowed_host": "registry.npmjs.org", "canary_domain": "canary.example.com"}.`,
      ),
  );
  return resolveTargets(json, source);
}

/** Bad probe input (flags, targets): exit 2, message names the value and the fix. */
export class ProbeInputError extends UserError {
  constructor(message: string) {
    super(message, 2);
    Object.defineProperty(this, 'name', { value: 'ProbeInputError' });
  }
}
