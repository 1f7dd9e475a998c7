import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { messageOf, UserError } from '../errors.js';
import type { ProbeContext } from './check.js';
import type { ProxyAddress } from './net/connect.js';
import { authority } from './net/tcp.js';
import { formatReport, reportLines } from './report.js';
import { newNonce, runProbe } from './run.js';
import { defaultTargets, ProbeInputError, parseTargets, TARGETS_ENV } from './targets.js';

/** Where the probe writes (the CLI's `Io` has this shape). */
export interface ProbeIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const PROBE_USAGE = `Usage: agent-perimeter probe --proxy HOST:PORT [--targets FILE] [--json | --jsonl]

Run from inside the agent tier (as an agent would be started), tries every way out and
reports each check as blocked (good), escape (a way out worked) or broken (an allowed path
that should work does not): CONNECT through the proxy to an allowed host (must work), to a
denied host, an IP literal and another port (must be refused), a ClientHello naming another
host and plain HTTP inside an allowed tunnel (must be cut off); the base-URL listeners
(every *_BASE_URL variable pointing at the proxy; must answer); direct TCP to public IPv4
and IPv6 addresses, UDP (53, 123, 443), ICMP (where ping may run), public resolvers over UDP
and TCP (all must fail); a name outside the allowlist and a unique name under your canary
domain (must not resolve); metadata endpoints (no credentials); credentials in the
environment or in readable files (none).

Options:
  --proxy HOST:PORT  the forward proxy (default: from HTTPS_PROXY)
  --targets FILE     JSON object overriding any of: allowed_host, denied_host, public_ipv4,
                     public_ipv6, udp, resolvers, metadata, denied_name, canary_domain,
                     base_urls, timeout_ms (default: ${TARGETS_ENV}, else built-in
                     public targets); unknown keys are an error
  --json             print the report as JSON (checks with name, target, outcome, detail)
  --jsonl            one JSON object per line (each check, then a summary), for log pipelines

Exit 0 all blocked, 1 any escape, 3 broken only, 2 bad input. See docs/runbook.md.`;

/** `HOST:PORT` (or `[v6]:PORT`) as the proxy's address. */
export function parseProxy(value: string, from: string): ProxyAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]+)):(\d{1,5})$/.exec(value);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !(port >= 1 && port <= 65535)) {
    throw new ProbeInputError(
      `agent-perimeter probe: ${from} "${value}" is not HOST:PORT. Fix: e.g. --proxy proxy.internal:3128 (the stack output ProxyAddress and the policy's proxy.port).`,
    );
  }
  return { host, port, text: authority(host, port) };
}

function proxyFromEnv(env: ProbeContext['env']): ProxyAddress {
  const raw = env.HTTPS_PROXY ?? env.https_proxy;
  if (raw === undefined) {
    throw new ProbeInputError(
      'agent-perimeter probe: no proxy given. Fix: pass --proxy HOST:PORT (e.g. --proxy proxy.internal:3128), or run it where HTTPS_PROXY is set, as in an agent.',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProbeInputError(
      `agent-perimeter probe: HTTPS_PROXY "${raw}" is not a URL. Fix: pass --proxy HOST:PORT.`,
    );
  }
  return parseProxy(`${url.hostname}:${url.port || '80'}`, 'HTTPS_PROXY');
}

function loadTargets(file: string | undefined, env: ProbeContext['env']) {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ProbeInputError(
        `agent-perimeter probe: --targets ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}. Fix: pass a JSON file such as {"canary_domain": "canary.example.com"}, or leave --targets out for the defaults.`,
      );
    }
    return parseTargets(text, file);
  }
  const fromEnv = env[TARGETS_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseTargets(fromEnv, TARGETS_ENV);
  return defaultTargets();
}

/**
 * `agent-perimeter probe`: the CLI command and the container entrypoint both run this.
 * Returns the exit code; bad input is printed (exit 2), never thrown.
 */
export async function probeMain(
  argv: readonly string[],
  io: ProbeIo,
  env: ProbeContext['env'] = process.env,
): Promise<number> {
  try {
    let values: {
      proxy?: string;
      targets?: string;
      json?: boolean;
      jsonl?: boolean;
      help?: boolean;
    };
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          proxy: { type: 'string' },
          targets: { type: 'string' },
          json: { type: 'boolean', default: false },
          jsonl: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
        allowPositionals: false,
        strict: true,
      }));
    } catch (error) {
      throw new ProbeInputError(
        `agent-perimeter probe: ${messageOf(error)} See \`agent-perimeter probe --help\`.`,
      );
    }
    if (values.help === true) {
      io.out(PROBE_USAGE);
      return 0;
    }
    if (values.json === true && values.jsonl === true) {
      throw new ProbeInputError(
        'agent-perimeter probe: --json and --jsonl both given. Fix: pick one (--json for a document, --jsonl for log lines).',
      );
    }
    const proxy =
      values.proxy === undefined ? proxyFromEnv(env) : parseProxy(values.proxy, '--proxy');
    const targets = loadTargets(values.targets, env);
    const report = await runProbe({
      proxy,
      targets,
      env,
      nonce: newNonce(),
      home: env.HOME ?? homedir(),
      cwd: process.cwd(),
    });
    if (values.json === true) io.out(JSON.stringify(report, null, 2));
    else if (values.jsonl === true) io.out(reportLines(report).join('\n'));
    else io.out(formatReport(report));
    return report.exit_code;
  } catch (error) {
    if (error instanceof UserError) {
      io.err(error.message);
      return error.exitCode;
    }
    throw error;
  }
}
