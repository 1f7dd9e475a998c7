import { describe, expect, it } from 'vitest';
import {
  ALL_V4,
  allTraffic,
  analyze,
  cidrDestinations,
  describeFlows,
  evaluateOrdered,
  flowsOf,
  intersect,
  parseCidr,
  type Ranges,
  rangesOf,
  routeDestinations,
  subtract,
  subtractFlows,
  toCidrs,
  union,
  unionFlows,
} from '../../../lib/containment/index.js';
import { ANYWHERE, egress, smallModel, tcp } from '../../helpers/containment-models.js';

const v4 = (...cidrs: string[]): Ranges =>
  rangesOf(
    ...cidrs.map((c) => {
      const p = parseCidr(c);
      if (p === undefined) throw new Error(c);
      return [p.start, p.end] as const;
    }),
  );
const to = (...cidrs: string[]) => {
  const d = cidrDestinations(cidrs);
  if (d === undefined) throw new Error(cidrs.join());
  return d;
};

describe('address ranges', () => {
  it('parses IPv4 and IPv6 CIDRs and masks host bits', () => {
    expect(parseCidr('10.1.2.3/16')).toMatchObject({
      family: 'v4',
      start: 0x0a010000n,
      end: 0x0a01ffffn,
      prefix: 16,
    });
    expect(parseCidr('::/0')).toMatchObject({ family: 'v6', start: 0n, prefix: 0 });
    expect(parseCidr('2001:db8::/32')?.start).toBe(0x20010db8n << 96n);
    expect(parseCidr('::ffff:10.0.0.1')?.end).toBe((0xffffn << 32n) + 0x0a000001n);
    expect(parseCidr('10.0.0.256/8')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('1::2::3/64')).toBeUndefined();
  });

  it('merges overlapping and adjacent CIDRs into one range', () => {
    const merged = union(v4('10.0.0.0/24'), v4('10.0.1.0/24', '10.0.0.128/25'));
    expect(toCidrs(merged, 'v4')).toEqual(['10.0.0.0/23']);
  });

  it('intersects and subtracts overlapping CIDRs', () => {
    expect(toCidrs(intersect(v4('10.0.0.0/16'), v4('10.0.255.0/24', '11.0.0.0/8')), 'v4')).toEqual([
      '10.0.255.0/24',
    ]);
    expect(toCidrs(subtract(v4('10.0.0.0/22'), v4('10.0.1.0/24')), 'v4')).toEqual([
      '10.0.0.0/24',
      '10.0.2.0/23',
    ]);
    expect(subtract(v4('10.0.0.0/24'), ALL_V4)).toEqual([]);
  });
});

describe('flows (protocol x port x destination)', () => {
  it('merges adjacent and overlapping port ranges to the same destination', () => {
    const a = flowsOf({ protocol: 6, ports: { from: 80, to: 443 } }, to('0.0.0.0/0'));
    const b = flowsOf({ protocol: 6, ports: { from: 444, to: 8080 } }, to('0.0.0.0/0'));
    const c = flowsOf({ protocol: 6, ports: { from: 100, to: 200 } }, to('0.0.0.0/0'));
    const all = unionFlows(unionFlows(a, b), c);
    expect(all).toHaveLength(1);
    expect(describeFlows(all)).toBe('tcp 80-8080 to 0.0.0.0/0');
  });

  it('keeps protocols apart and subtracts by port and address', () => {
    const wide = flowsOf({ protocol: 'all' }, to('10.0.0.0/16'));
    const rest = subtractFlows(
      wide,
      flowsOf({ protocol: 6, ports: { from: 443, to: 443 } }, to('10.0.3.0/24')),
    );
    expect(
      describeFlows(subtractFlows(rest, flowsOf({ protocol: 6 }, to('10.0.0.0/16')))),
    ).not.toContain('tcp');
    expect(describeFlows(rest)).toContain('tcp 443 to 10.0.0.0/16 except 10.0.3.0/24');
    expect(describeFlows(rest)).toContain('udp all ports');
  });

  it('encodes ICMP type and code as the port (type 252 code 86 is one key)', () => {
    const one = flowsOf({ protocol: 1, icmpType: 252, icmpCode: 86 }, to('255.255.255.255/32'));
    expect(one).toEqual([expect.objectContaining({ to: one[0]?.from })]);
  });
});

describe('ordered rules (NACL semantics)', () => {
  const universe = allTraffic(to('0.0.0.0/0'));
  const rule = (n: number, action: 'allow' | 'deny', cidr: string) => ({
    rule: `rule${n}`,
    level: n,
    action,
    flows: flowsOf({ protocol: 'all' }, to(cidr)),
  });

  it('lowest rule number wins: a deny before an allow blocks, an allow before a deny lets through', () => {
    const denyFirst = evaluateOrdered(
      [rule(200, 'allow', '0.0.0.0/0'), rule(100, 'deny', '10.0.0.0/16')],
      universe,
    );
    expect(describeFlows(denyFirst.allowed)).toBe('all traffic to 0.0.0.0/0 except 10.0.0.0/16');
    const allowFirst = evaluateOrdered(
      [rule(100, 'allow', '0.0.0.0/0'), rule(200, 'deny', '10.0.0.0/16')],
      universe,
    );
    expect(describeFlows(allowFirst.allowed)).toBe('all traffic to 0.0.0.0/0');
  });

  it('at equal priority deny beats allow, and every allow rule is credited with its match', () => {
    const result = evaluateOrdered(
      [
        rule(0, 'allow', '10.0.0.0/8'),
        rule(0, 'allow', '10.0.0.0/16'),
        rule(0, 'deny', '10.0.1.0/24'),
      ],
      universe,
    );
    expect(result.decided.map((d) => d.rule)).toEqual(['rule0', 'rule0']);
    expect(describeFlows(result.allowed)).toBe('all traffic to 10.0.0.0/8 except 10.0.1.0/24');
  });

  it('reports unknown allow rules and skips unknown deny rules', () => {
    const result = evaluateOrdered(
      [
        { rule: 'x', level: 1, action: 'allow', flows: undefined },
        { rule: 'y', level: 2, action: 'deny', flows: undefined },
      ],
      universe,
    );
    expect(result.unresolved).toEqual(['x']);
  });
});

describe('longest-prefix routing', () => {
  it('gives each route only the addresses no more specific route takes', () => {
    const routed = routeDestinations([
      {
        resource: 'Default',
        destination: { cidr: '0.0.0.0/0' },
        target: { kind: 'nat-gateway', label: 'nat' },
      },
      {
        resource: 'Local',
        destination: { cidr: '10.0.0.0/16' },
        target: { kind: 'local', label: 'local' },
      },
      {
        resource: 'Middlebox',
        destination: { cidr: '10.0.2.0/24' },
        target: { kind: 'network-interface', label: 'eni' },
      },
    ]);
    const of = (r: string) =>
      toCidrs(routed.find((x) => x.route.resource === r)?.to.v4 ?? [], 'v4');
    expect(of('Middlebox')).toEqual(['10.0.2.0/24']);
    expect(of('Local')).toEqual([
      '10.0.0.0/23',
      '10.0.3.0/24',
      '10.0.4.0/22',
      '10.0.8.0/21',
      '10.0.16.0/20',
      '10.0.32.0/19',
      '10.0.64.0/18',
      '10.0.128.0/17',
    ]);
    expect(of('Default')).not.toContain('10.0.0.0/16');
  });

  it('applies tag-scoped routes only to members of the tag (GCP)', () => {
    const routes = [
      {
        resource: 'Tagged',
        destination: { cidr: '0.0.0.0/0' },
        target: { kind: 'internet-gateway' as const, label: 'igw' },
        appliesTo: ['web'],
      },
    ];
    expect(routeDestinations(routes, ['agents'])).toEqual([]);
    expect(routeDestinations(routes, ['web'])).toHaveLength(1);
  });
});

describe('analyze (small models)', () => {
  it('proves the small model contained and reports what the agent reaches', () => {
    const result = analyze(smallModel());
    expect(result.violations).toEqual([]);
    expect(result.agents[0]?.reachable).toBe('tcp 443 to 10.0.3.0/24; tcp 3128 to 10.0.2.0/24');
  });

  it('flags an egress rule whose range overlaps the allowed set only for the part outside it', () => {
    const model = smallModel({
      rules: [
        egress(
          'Wide',
          { protocol: 6, ports: { from: 3000, to: 3200 } },
          { kind: 'group', group: 'sg-proxy' },
        ),
      ],
    });
    const [v] = analyze(model).violations;
    expect(v).toMatchObject({ resource: 'Wide', channel: 'sg-egress' });
    expect(v?.explanation).toContain('tcp 3000-3127,3129-3200 to firewall group ProxyGroup');
  });

  it('a NACL deny with a lower rule number keeps a later allow-all from weakening the layer', () => {
    const entries = (denyNumber: number) =>
      smallModel({
        aclEntries: [
          {
            resource: 'DenyVpc',
            direction: 'egress',
            ruleNumber: denyNumber,
            action: 'deny',
            traffic: { protocol: 'all' },
            cidr: '10.0.0.0/16',
          },
          {
            resource: 'AllowAll',
            direction: 'egress',
            ruleNumber: 150,
            action: 'allow',
            traffic: { protocol: 'all' },
            cidr: '0.0.0.0/0',
          },
        ],
      });
    expect(analyze(entries(100)).violations).toEqual([]);
    expect(analyze(entries(200)).violations).toEqual([
      expect.objectContaining({ resource: 'AllowAll', channel: 'nacl-weakened' }),
    ]);
  });

  it('reports a route to a middlebox more specific than the local route', () => {
    const result = analyze(
      smallModel({
        routes: [
          {
            resource: 'ToBox',
            destination: { cidr: '10.0.2.0/24' },
            target: { kind: 'network-interface', label: 'network interface Box' },
          },
        ],
      }),
    );
    expect(result.violations).toEqual([
      expect.objectContaining({ resource: 'ToBox', channel: 'route-to-internet' }),
    ]);
  });

  it('GCP-style priorities: a higher-priority deny removes what a lower-priority allow would let out', () => {
    const rules = [
      egress('DenyAll', { protocol: 'all' }, ANYWHERE, { action: 'deny', priority: 1000 }),
      egress('AllowProxy', tcp(3128), { kind: 'group', group: 'sg-proxy' }, { priority: 900 }),
    ];
    const model = smallModel({ rules });
    const gcp = {
      ...model,
      networks: model.networks.map((n) => ({ ...n, implicitEgress: 'allow' as const })),
    };
    expect(analyze(gcp).violations).toEqual([]);
    const noDeny = { ...gcp, firewallRules: rules.slice(1) };
    expect(analyze(noDeny).violations).toEqual([
      expect.objectContaining({ resource: 'Vpc', channel: 'lateral' }),
      expect.objectContaining({ resource: 'Vpc', channel: 'sg-egress' }),
    ]);
  });

  it('takes the proxy ports from the options (the policy) over the listeners', () => {
    expect(analyze(smallModel(), { proxyPorts: [8080] }).violations).toEqual([
      expect.objectContaining({ resource: 'AgentToProxy', channel: 'sg-egress' }),
      expect.objectContaining({ resource: 'ToProxy', channel: 'nacl-weakened' }),
    ]);
  });
});
