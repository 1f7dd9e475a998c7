import { describe, expect, it } from 'vitest';
import {
  blockedDnsQueriesPattern,
  deniedRequestsPattern,
  flowLogFields,
  rejectedAgentFlowsPattern,
} from '../../../cdk/audit/index.js';
import { probeTargetsFor } from '../../../lib/probe/deploy.js';
import { probeSignature } from '../../../lib/probe/signature.js';
import { resolveTargets } from '../../../lib/probe/targets.js';
import { tunnelListenerNameOf } from '../../../lib/proxy-contract.js';
import { listTunnelTargets } from '../../../proxy/render/entries.js';
import { TUNNEL_CHAINS, tunnelListenerName } from '../../../proxy/render/tunnel.js';
import { matchesJsonPattern, matchesSpaceDelimited } from '../../helpers/filter-pattern.js';
import { validPolicy } from '../../helpers/policy.js';

/*
 * The egress probe runs as the first profile and is refused on purpose every run; the "any
 * request refused" alarms must not count that, and must still count every real agent's
 * refusal. Each case is a sample log line run through the real filter pattern.
 */

const POLICY = validPolicy(`name: demo
egress:
  - host: api.anthropic.com
    inject: { header: x-api-key, secret: anthropic }
  - host: registry.npmjs.org
agents:
  - name: reviewer
    image: public.ecr.aws/docker/library/node:22
  - name: coder
    image: public.ecr.aws/docker/library/node:22
`);
const targets = resolveTargets(
  probeTargetsFor(POLICY, { canary_domain: 'canary.example.net' }),
  'test',
);
const signature = probeSignature(targets, 'reviewer');
const denied = deniedRequestsPattern(signature);
const dns = blockedDnsQueriesPattern(signature);
const npmTunnel = tunnelListenerNameOf('registry.npmjs.org', 443);

const proxyLine = (fields: Record<string, unknown>) => ({
  log_type: 'proxy',
  listener: 'forward_proxy_reviewer',
  policy: 'demo',
  profile: 'reviewer',
  method: 'CONNECT',
  response_code: 403,
  response_code_details: 'direct_response',
  ...fields,
});
const tunnelLine = (fields: Record<string, unknown>) => ({
  log_type: 'tunnel',
  listener: npmTunnel,
  policy: 'demo',
  profile: 'reviewer',
  sni: 'registry.npmjs.org',
  ...fields,
});

describe('the probe signature', () => {
  it('names the destinations the probe must be refused at, as its checks send them', () => {
    expect(signature.proxy).toEqual({
      profile: 'reviewer',
      authorities: [
        'example.com:443',
        '1.1.1.1:443',
        '[2606:4700:4700::1111]:443',
        'registry.npmjs.org:22',
      ],
      sniMismatch: ['example.com'],
      notTlsListeners: [npmTunnel],
    });
    expect(signature.blockedNames).toEqual(['example.com', 'example.com.']);
    expect(signature.blockedDomains).toEqual(['canary.example.net']);
  });

  it('uses the tunnel listener names and chain names the proxy renders', () => {
    const [target] = listTunnelTargets(POLICY.egress);
    expect(target?.host).toBe('registry.npmjs.org');
    expect(tunnelListenerName(target as NonNullable<typeof target>)).toBe(npmTunnel);
    expect(TUNNEL_CHAINS).toEqual({ sniMismatch: 'deny_sni_mismatch', notTls: 'deny_not_tls' });
  });
});

describe('ProxyDeniedRequests leaves out the probe and nothing else', () => {
  const counted = (line: Record<string, unknown>) => matchesJsonPattern(denied, line);

  it.each([
    ['the denied host', 'example.com:443'],
    ['an IPv4 literal', '1.1.1.1:443'],
    ['an IPv6 literal', '[2606:4700:4700::1111]:443'],
    ['another port of the allowed host', 'registry.npmjs.org:22'],
  ])("does not count the probe's CONNECT to %s", (_what, authority) => {
    expect(counted(proxyLine({ authority, route_name: 'deny_not_allowlisted' }))).toBe(false);
  });

  it("does not count the probe's SNI-mismatch and no-TLS tunnels", () => {
    expect(counted(tunnelLine({ sni: 'example.com', filter_chain: 'deny_sni_mismatch' }))).toBe(
      false,
    );
    expect(counted(tunnelLine({ sni: '-', filter_chain: 'deny_not_tls' }))).toBe(false);
  });

  it('counts the same refusals from another profile', () => {
    const other = { profile: 'coder', listener: 'forward_proxy_coder' };
    expect(
      counted(
        proxyLine({ ...other, authority: 'example.com:443', route_name: 'deny_not_allowlisted' }),
      ),
    ).toBe(true);
    expect(
      counted(
        tunnelLine({ profile: 'coder', sni: 'example.com', filter_chain: 'deny_sni_mismatch' }),
      ),
    ).toBe(true);
    expect(counted(tunnelLine({ profile: 'coder', filter_chain: 'deny_not_tls' }))).toBe(true);
  });

  it("counts the probe's profile refused anywhere else, and every other kind of refusal", () => {
    expect(
      counted(proxyLine({ authority: 'attacker.example:443', route_name: 'deny_not_allowlisted' })),
    ).toBe(true);
    expect(
      counted(proxyLine({ authority: '8.8.8.8:443', route_name: 'deny_not_allowlisted' })),
    ).toBe(true);
    expect(
      counted(tunnelLine({ sni: 'attacker.example', filter_chain: 'deny_sni_mismatch' })),
    ).toBe(true);
    expect(
      counted(
        tunnelLine({
          listener: tunnelListenerNameOf('api.github.com', 443),
          filter_chain: 'deny_not_tls',
        }),
      ),
    ).toBe(true);
    // A mismatch inside another tunnel, even naming the probe's denied host's neighbour.
    expect(counted(tunnelLine({ sni: 'example.org', filter_chain: 'deny_sni_mismatch' }))).toBe(
      true,
    );
    const egress = {
      log_type: 'egress',
      profile: 'reviewer',
      listener: 'egress_registry_npmjs_org',
      authority: 'registry.npmjs.org',
      response_code: 403,
    };
    expect(
      counted({
        ...egress,
        response_code_details: 'rbac_access_denied_matched_policy[deny_private_address]',
      }),
    ).toBe(true);
    expect(counted({ ...egress, route_name: 'deny_egress_not_allowed' })).toBe(true);
    expect(
      counted(
        proxyLine({
          authority: 'example.com:443',
          response_code: 429,
          response_code_details: 'local_rate_limited',
        }),
      ),
    ).toBe(true);
    expect(
      counted({
        log_type: 'base_url',
        profile: 'reviewer',
        authority: 'api.anthropic.com',
        route_name: 'deny_request_not_allowed',
      }),
    ).toBe(true);
  });

  it('counts nothing that was allowed', () => {
    expect(
      counted(
        proxyLine({
          authority: 'registry.npmjs.org:443',
          response_code: 200,
          route_name: 'allow_registry_npmjs_org_443',
        }),
      ),
    ).toBe(false);
    expect(counted(tunnelLine({ filter_chain: 'allow_registry_npmjs_org_443' }))).toBe(false);
  });

  it('is the plain refusal pattern without a probe, and fits CloudWatch', () => {
    const plain = deniedRequestsPattern();
    expect(plain).not.toContain('profile');
    expect(
      matchesJsonPattern(
        plain,
        proxyLine({ authority: 'example.com:443', route_name: 'deny_not_allowlisted' }),
      ),
    ).toBe(true);
    expect(denied.length).toBeLessThanOrEqual(1024);
  });

  it('refuses probe targets that would make the pattern too long for CloudWatch', () => {
    const long = probeSignature(
      resolveTargets(
        probeTargetsFor(POLICY, {
          denied_host: `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example:443`,
        }),
        'test',
      ),
      'reviewer',
    );
    expect(() => deniedRequestsPattern(long)).toThrow(/at most 1024/);
  });
});

describe('DnsBlockedQueries leaves out the probe names only', () => {
  const query = (name: string, action = 'BLOCK') => ({
    query_name: name,
    srcaddr: '10.64.1.23',
    firewall_rule_action: action,
  });
  const counted = (name: string, action?: string) => matchesJsonPattern(dns, query(name, action));

  it("does not count the probe's denied name or its canary lookups", () => {
    expect(counted('example.com.')).toBe(false);
    expect(counted('example.com')).toBe(false);
    expect(counted('n0nce1234.canary.example.net.')).toBe(false);
  });

  it('counts every other blocked name, lookalikes of the probe names included', () => {
    expect(counted('attacker.example.')).toBe(true);
    expect(counted('data.example.com.')).toBe(true);
    expect(counted('example.com.attacker.example.')).toBe(true);
    expect(counted('canary.example.net.attacker.example.')).toBe(true);
    expect(counted('x.notcanary.example.net.')).toBe(true);
  });

  it('counts nothing the firewall allowed', () => {
    expect(counted('registry.npmjs.org.', 'ALLOW')).toBe(false);
    expect(matchesJsonPattern(blockedDnsQueriesPattern(), query('example.com.'))).toBe(true);
  });
});

describe('AgentRejectedFlows leaves out the probe task definition', () => {
  const format = [
    'version',
    'subnet-id',
    'srcaddr',
    'dstaddr',
    'dstport',
    'action',
    'flow-direction',
    'ecs-task-id',
    'ecs-task-definition-arn',
  ]
    .map((f) => `\${${f}}`)
    .join(' ');
  const fields = flowLogFields(format);
  const pattern = rejectedAgentFlowsPattern(
    format,
    ['subnet-agent-a'],
    ['agent-perimeter-demo--probe'],
  );
  const line = (taskDefinition: string, overrides: Record<string, string> = {}) =>
    fields
      .map(
        (f) =>
          overrides[f] ??
          {
            version: '7',
            subnet_id: 'subnet-agent-a',
            srcaddr: '10.64.1.23',
            dstaddr: '1.1.1.1',
            dstport: '443',
            action: 'REJECT',
            flow_direction: 'egress',
            ecs_task_id: '0123456789abcdef',
            ecs_task_definition_arn: taskDefinition,
          }[f],
      )
      .join(' ');
  const arn = (family: string) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:7`;

  it("does not count the probe's rejected flows", () => {
    expect(matchesSpaceDelimited(pattern, line(arn('agent-perimeter-demo--probe')))).toBe(false);
  });

  it('counts every agent task, and interfaces without ECS metadata', () => {
    expect(matchesSpaceDelimited(pattern, line(arn('agent-perimeter-demo-reviewer')))).toBe(true);
    expect(matchesSpaceDelimited(pattern, line(arn('agent-perimeter-demo-coder')))).toBe(true);
    // A family that merely starts like the probe's is another task definition.
    expect(matchesSpaceDelimited(pattern, line(arn('agent-perimeter-demo--probe-x')))).toBe(true);
    expect(matchesSpaceDelimited(pattern, line('-'))).toBe(true);
    expect(
      matchesSpaceDelimited(
        pattern,
        line(arn('agent-perimeter-demo--probe'), { action: 'ACCEPT' }),
      ),
    ).toBe(false);
  });

  it('needs the task-definition field to leave the probe out', () => {
    expect(() =>
      rejectedAgentFlowsPattern(
        `\${subnet-id} \${action}`,
        ['subnet-a'],
        ['agent-perimeter-demo--probe'],
      ),
    ).toThrow(`\${ecs-task-definition-arn}`);
  });
});
