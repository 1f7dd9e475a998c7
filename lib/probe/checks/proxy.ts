import type { Socket } from 'node:net';
import { DENIED_MESSAGE_PREFIX } from '../../proxy-contract.js';
import {
  blocked,
  broken,
  escaped,
  notPlanned,
  type Planned,
  type PlannedCheck,
  type ProbeContext,
  type Verdict,
} from '../check.js';
import { type ConnectOutcome, firstLine, proxyConnect } from '../net/connect.js';
import { describeCode } from '../net/errors.js';
import { authority } from '../net/tcp.js';
import { bytesThrough, describeTunnel, tlsThrough } from '../net/tunnel.js';
import type { HostPort } from '../targets.js';

/** The CONNECT target of the other-port check: the allowed host on a port it does not list. */
export function otherPortTarget(allowed: HostPort): string {
  return `${allowed.host}:${allowed.port === 22 ? 23 : 22}`;
}

/** How every refusal body of the agent-perimeter proxy starts (the proxy's contract). */
export const POLICY_REFUSAL_PREFIX = DENIED_MESSAGE_PREFIX;

function refusal(outcome: ConnectOutcome & { kind: 'response' }): string {
  const line = firstLine(outcome.body);
  return line.startsWith(POLICY_REFUSAL_PREFIX)
    ? `refused with ${outcome.status}: ${line}`
    : `refused with ${outcome.status}${line === '' ? '' : ` (${line})`}, not by an agent-perimeter policy`;
}

/** A proxy that took the connection and closed it, or stayed silent, before any response. */
function noAnswer(ctx: ProbeContext, code: string): string {
  return `the proxy closed the connection without answering (${describeCode(code, ctx.targets.timeout_ms)})`;
}

function unreachable(ctx: ProbeContext, code: string): Verdict {
  return broken(
    `cannot reach the proxy at ${ctx.proxy.text}: ${describeCode(code, ctx.targets.timeout_ms)}`,
  );
}

/**
 * A CONNECT the proxy must refuse: any 2xx is an escape (the policy answers 403 for hosts,
 * IP literals and ports it does not list), any refusal or close is blocked.
 */
async function mustRefuse(
  ctx: ProbeContext,
  target: string,
  servername: string | undefined,
): Promise<Verdict> {
  const timeout = ctx.targets.timeout_ms;
  const outcome = await proxyConnect(ctx.proxy, target, timeout);
  if (outcome.kind === 'unreachable') return unreachable(ctx, outcome.code);
  if (outcome.kind === 'no-response') return blocked(noAnswer(ctx, outcome.code));
  if (outcome.socket === undefined) return blocked(refusal(outcome));
  const accepted = `the proxy accepted CONNECT ${target} (${outcome.status})`;
  if (servername === undefined) {
    outcome.socket.destroy();
    return escaped(`${accepted}; the allowlist did not refuse it`);
  }
  const tunnel = await tlsThrough(outcome.socket, servername, timeout);
  return escaped(`${accepted}; through the tunnel ${describeTunnel(tunnel)}`);
}

/**
 * The forward proxy's checks: the allowed CONNECT works end to end (a TLS handshake with a
 * trusted certificate); a host outside the allowlist, IP literals and another port get a
 * refusal; inside an allowed tunnel, a ClientHello naming another host and bytes that are not
 * TLS are cut off by the proxy (no ServerHello, nothing back).
 */
export function proxyChecks(ctx: ProbeContext): Planned {
  const { allowed_host: allowed, denied_host: denied } = ctx.targets;
  const via = ` via ${ctx.proxy.text}`;
  const refusals: PlannedCheck[] = [
    {
      name: 'proxy-denied-host',
      target: `${denied.text}${via}`,
      run: () => mustRefuse(ctx, denied.text, denied.host),
    },
  ];
  for (const endpoint of [ctx.targets.public_ipv4[0], ctx.targets.public_ipv6[0]]) {
    if (endpoint === undefined) continue;
    const target = authority(endpoint.address, 443);
    refusals.push({
      name: 'proxy-ip-literal',
      target: `${target}${via}`,
      run: () => mustRefuse(ctx, target, undefined),
    });
  }
  if (allowed === null) {
    const reason =
      'allowed_host is null (the policy has no allowlisted host without inject), so there is no allowed tunnel to test';
    return {
      checks: refusals,
      skipped: [
        'proxy-allowed-connect',
        'proxy-other-port',
        'proxy-sni-mismatch',
        'proxy-no-tls',
      ].map((name) => notPlanned(name, reason)),
    };
  }
  return { checks: [...allowedChecks(ctx, allowed), ...refusals], skipped: [] };
}

/**
 * An open tunnel to the allowed host, for the checks that send something through one; the
 * verdict instead when there is none (no proxy: broken; refused: nothing to send through).
 */
async function allowedTunnel(
  ctx: ProbeContext,
  allowed: HostPort,
): Promise<{ socket: Socket } | Verdict> {
  const outcome = await proxyConnect(ctx.proxy, allowed.text, ctx.targets.timeout_ms);
  if (outcome.kind === 'unreachable') return unreachable(ctx, outcome.code);
  if (outcome.kind !== 'response' || outcome.socket === undefined)
    return blocked(
      `no tunnel to send it through: ${outcome.kind === 'response' ? refusal(outcome) : 'the proxy closed the connection'}`,
    );
  return { socket: outcome.socket };
}

function allowedChecks(ctx: ProbeContext, allowed: HostPort): PlannedCheck[] {
  const { denied_host: denied, timeout_ms: timeout } = ctx.targets;
  const via = ` via ${ctx.proxy.text}`;
  const otherPort = otherPortTarget(allowed);
  const checks: PlannedCheck[] = [
    {
      name: 'proxy-allowed-connect',
      target: `${allowed.text}${via}`,
      run: async () => {
        const outcome = await proxyConnect(ctx.proxy, allowed.text, timeout);
        if (outcome.kind === 'unreachable') return unreachable(ctx, outcome.code);
        if (outcome.kind === 'no-response') return broken(noAnswer(ctx, outcome.code));
        if (outcome.socket === undefined)
          return broken(
            `${refusal(outcome)}. Fix: point allowed_host at an allowlisted host without inject (hosts with inject are reached through their base-URL listener), or check the proxy's policy`,
          );
        const tunnel = await tlsThrough(outcome.socket, allowed.host, timeout);
        if (tunnel.kind === 'handshake' && tunnel.trusted)
          return blocked(
            `CONNECT answered ${outcome.status} and ${describeTunnel(tunnel)} with a trusted certificate for ${allowed.host}`,
          );
        return broken(`CONNECT answered ${outcome.status}, but ${describeTunnel(tunnel)}`);
      },
    },
    {
      name: 'proxy-other-port',
      target: `${otherPort}${via}`,
      run: () => mustRefuse(ctx, otherPort, undefined),
    },
  ];
  checks.push(
    {
      name: 'proxy-sni-mismatch',
      target: `ClientHello for ${denied.host} inside CONNECT ${allowed.text}${via}`,
      run: async () => {
        const opened = await allowedTunnel(ctx, allowed);
        if ('outcome' in opened) return opened;
        const tunnel = await tlsThrough(opened.socket, denied.host, timeout);
        if (tunnel.kind === 'closed')
          return blocked(
            `the proxy closed the tunnel after the ClientHello naming ${denied.host}, with no ServerHello`,
          );
        if (tunnel.kind === 'silent')
          return escaped(
            `the proxy kept the tunnel open for ${timeout} ms after a ClientHello naming another host instead of closing it`,
          );
        return escaped(
          `a ClientHello naming ${denied.host} reached a server through the tunnel to ${allowed.host}: ${describeTunnel(tunnel)} (domain fronting works)`,
        );
      },
    },
    {
      name: 'proxy-no-tls',
      target: `plain HTTP inside CONNECT ${allowed.text}${via}`,
      run: async () => {
        const opened = await allowedTunnel(ctx, allowed);
        if ('outcome' in opened) return opened;
        const tunnel = await bytesThrough(
          opened.socket,
          `GET / HTTP/1.1\r\nHost: ${denied.host}\r\nUser-Agent: agent-perimeter-probe\r\nConnection: close\r\n\r\n`,
          timeout,
        );
        if (tunnel.kind === 'closed')
          return blocked(
            'the proxy closed the tunnel: it carries only TLS naming the CONNECT host',
          );
        if (tunnel.kind === 'silent')
          return escaped(
            `the proxy kept a tunnel carrying plain HTTP open for ${timeout} ms instead of closing it`,
          );
        return escaped(
          `plain HTTP went through the tunnel to ${allowed.host}: ${describeTunnel(tunnel)}`,
        );
      },
    },
  );
  return checks;
}
