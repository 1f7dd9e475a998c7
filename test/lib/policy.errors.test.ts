import { describe, expect, it } from 'vitest';
import { PolicyError, parsePolicy } from '../../lib/policy/index.js';
import { policyProblems, policyYaml } from '../helpers/policy.js';

const host = (h: string) => policyYaml(`  - host: ${JSON.stringify(h)}`);
const entry = (yaml: string) => policyYaml(`  - host: api.anthropic.com\n${yaml}`);
/** An inject entry with request rules, e.g. `{ method: POST, path: /v1/messages }`. */
const rules = (yaml: string) =>
  entry(`    inject: { header: x-api-key, secret: anthropic }\n    allow: [${yaml}]`);
const inject = (header: string, secret: string) =>
  entry(
    `    inject:\n      header: ${JSON.stringify(header)}\n      secret: ${JSON.stringify(secret)}`,
  );

/** [what, policy text, path of the problem, words the message must contain] */
const BAD: readonly [string, string, string, string][] = [
  ['IPv4 literal', host('10.0.0.1'), 'egress[0].host', '"10.0.0.1" is an IP literal'],
  ['metadata IP', host('169.254.169.254'), 'egress[0].host', 'IP literal'],
  ['IPv6 literal', host('2001:db8::1'), 'egress[0].host', 'IPv6 literal'],
  ['bracketed IPv6', host('[::1]'), 'egress[0].host', 'IPv6 literal'],
  ['decimal IPv4', host('2130706433'), 'egress[0].host', 'IP literal'],
  ['bare wildcard', host('*'), 'egress[0].host', 'open relay'],
  ['scheme in host', host('https://api.example.com'), 'egress[0].host', 'URL scheme'],
  ['path in host', host('api.example.com/v1'), 'egress[0].host', 'contains a path'],
  ['port in host', host('api.example.com:8443'), 'egress[0].host', 'ports: [8443]'],
  ['uppercase host', host('API.Example.com'), 'egress[0].host', 'write "api.example.com"'],
  [
    'underscore label',
    host('my_host.example.com'),
    'egress[0].host',
    'invalid DNS label "my_host"',
  ],
  ['label ends with hyphen', host('bad-.example.com'), 'egress[0].host', 'invalid DNS label'],
  ['label too long', host(`${'a'.repeat(64)}.example.com`), 'egress[0].host', '1-63 characters'],
  ['inner wildcard', host('api.*.example.com'), 'egress[0].host', 'one leading "*." label'],
  ['partial wildcard', host('*api.example.com'), 'egress[0].host', 'one leading "*." label'],
  ['wildcard TLD', host('*.com'), 'egress[0].host', 'top-level domain'],
  ['single label', host('intranet'), 'egress[0].host', 'single-label name'],
  ['metadata name', host('metadata.google.internal'), 'egress[0].host', 'metadata service'],
  ['trailing dot', host('api.example.com.'), 'egress[0].host', 'ends with a dot'],
  ['empty host', host(''), 'egress[0].host', 'is empty'],
  [
    'duplicate hosts',
    policyYaml('  - host: github.com\n  - host: registry.npmjs.org\n  - host: github.com'),
    'egress[2].host',
    'listed twice (also egress[0])',
  ],
  ['port zero', entry('    ports: [0]'), 'egress[0].ports[0]', '0 is not a port'],
  ['port too big', entry('    ports: [443, 65536]'), 'egress[0].ports[1]', '65536 is not a port'],
  ['port as text', entry('    ports: ["https"]'), 'egress[0].ports[0]', 'must be a port number'],
  ['fractional port', entry('    ports: [443.5]'), 'egress[0].ports[0]', 'whole port number'],
  ['duplicate port', entry('    ports: [443, 443]'), 'egress[0].ports[1]', 'listed twice'],
  ['empty ports', entry('    ports: []'), 'egress[0].ports', 'is empty'],
  [
    'header with space',
    inject('x api key', 'anthropic'),
    'egress[0].inject.header',
    'not a valid HTTP header name',
  ],
  [
    'header with colon',
    inject('x-api-key:', 'anthropic'),
    'egress[0].inject.header',
    'not a valid HTTP header name',
  ],
  [
    'reserved header',
    inject('host', 'anthropic'),
    'egress[0].inject.header',
    'proxy manages itself',
  ],
  [
    'Anthropic key',
    inject('x-api-key', 'sk-ant-api03-AbC123'),
    'egress[0].inject.secret',
    'looks like an Anthropic API key',
  ],
  [
    'GitHub token',
    inject('authorization', `ghp_${'a1B2'.repeat(9)}`),
    'egress[0].inject.secret',
    'GitHub token',
  ],
  [
    'AWS key id',
    inject('authorization', 'AKIAIOSFODNN7EXAMPLE'),
    'egress[0].inject.secret',
    'AWS access key ID',
  ],
  [
    'high-entropy value',
    inject('x-api-key', 'q8Zr2Lw9Xv4Tn7Bk3Ys6Hd1Mf5Jp0Cg'),
    'egress[0].inject.secret',
    'store the value in your cloud secret store',
  ],
  [
    'secret name with spaces',
    inject('x-api-key', 'my secret'),
    'egress[0].inject.secret',
    'not a valid secret name',
  ],
  [
    'inject without secret',
    entry('    inject:\n      header: x-api-key'),
    'egress[0].inject.secret',
    'is required',
  ],
  [
    'inject on wildcard',
    policyYaml('  - host: "*.example.com"\n    inject: { header: x-api-key, secret: k }'),
    'egress[0].inject',
    'cannot inject into a wildcard host',
  ],
  ['typo in entry', entry('    prots: [443]'), 'egress[0].prots', 'Did you mean "ports"?'],
  [
    'typo at top level',
    policyYaml('  - host: github.com', 'egres: []'),
    'egres',
    'Did you mean "egress"?',
  ],
  [
    'unknown section',
    policyYaml('  - host: github.com', 'firewall: {}'),
    'firewall',
    'Known fields: name, egress',
  ],
  ['bad name', 'name: My_Demo\negress:\n  - host: github.com', 'name', 'must be a DNS label'],
  ['missing name', 'egress:\n  - host: github.com', 'name', 'is required'],
  ['missing egress', 'name: demo', 'egress', 'would reach nothing'],
  ['empty egress', 'name: demo\negress: []', 'egress', 'would reach nothing'],
  ['egress not a list', 'name: demo\negress: github.com', 'egress', 'must be a list'],
  [
    'bad retention',
    policyYaml('  - host: github.com', 'logging: { retention_days: 42 }'),
    'logging.retention_days',
    'must be one of 1, 3, 5',
  ],
  [
    'replicas min above max',
    policyYaml('  - host: github.com', 'proxy: { replicas: { min: 5, max: 2 } }'),
    'proxy.replicas',
    'min (5) is greater than max (2)',
  ],
  [
    'port collision',
    policyYaml('  - host: github.com', 'proxy: { port: 8099 }'),
    'proxy.health_port',
    'already used by proxy.port',
  ],
  [
    'agent key in environment',
    policyYaml(
      '  - host: github.com',
      'agents:\n  - name: a\n    image: node:22\n    environment: { GITHUB_TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123456789 }',
    ),
    'agents[0].environment.GITHUB_TOKEN',
    'Agents must never hold credentials',
  ],
  [
    'privileged proxy port',
    policyYaml('  - host: github.com', 'proxy: { port: 80 }'),
    'proxy.port',
    '80 is a privileged port',
  ],
  [
    'agent runs as root',
    policyYaml('  - host: github.com', 'agents:\n  - name: a\n    image: node:22\n    user: "0:0"'),
    'agents[0].user',
    'non-root',
  ],
  [
    'agent overrides proxy variable',
    policyYaml(
      '  - host: github.com',
      'agents:\n  - name: a\n    image: node:22\n    environment: { HTTPS_PROXY: "" }',
    ),
    'agents[0].environment.HTTPS_PROXY',
    'set by agent-perimeter',
  ],
  // The proxy data plane's settings (issue: SNI checks, address guard, request rules, limits).
  [
    'request rules without inject',
    policyYaml('  - host: api.example.com\n    allow: [{ method: GET, path: /v1/x }]'),
    'egress[0].allow',
    'request rules need requests the proxy can read',
  ],
  [
    'request rule with both path kinds',
    rules('{ method: POST, path: /v1/messages, path_prefix: /v1/ }'),
    'egress[0].allow[0]',
    'exactly one of `path`',
  ],
  ['request rule without a path', rules('{ method: POST }'), 'egress[0].allow[0]', 'exactly one'],
  [
    'lower-case method',
    rules('{ method: post, path: /v1/messages }'),
    'egress[0].allow[0].method',
    'upper case',
  ],
  [
    'CONNECT as a method',
    rules('{ method: CONNECT, path: /v1/messages }'),
    'egress[0].allow[0].method',
    'must be one of GET, HEAD, POST',
  ],
  [
    'relative path',
    rules('{ method: POST, path: v1/messages }'),
    'egress[0].allow[0].path',
    'must start with "/"',
  ],
  [
    'path with a query',
    rules('{ method: GET, path: "/v1/models?limit=1" }'),
    'egress[0].allow[0].path',
    'query or fragment',
  ],
  [
    'path with dot segments',
    rules('{ method: GET, path: /v1/../admin }'),
    'egress[0].allow[0].path',
    '"." or ".." segments',
  ],
  [
    'percent-encoded path',
    rules('{ method: GET, path: /v1/%2e%2e/admin }'),
    'egress[0].allow[0].path',
    'cannot hold',
  ],
  [
    'prefix without trailing slash',
    rules('{ method: GET, path_prefix: /v1/files }'),
    'egress[0].allow[0].path_prefix',
    'must end with "/"',
  ],
  [
    'duplicate request rule',
    rules('{ method: POST, path: /v1/messages }, { method: POST, path: /v1/messages }'),
    'egress[0].allow[1]',
    'listed twice',
  ],
  [
    'tls false with inject',
    entry('    tls: false\n    inject: { header: x-api-key, secret: anthropic }'),
    'egress[0].tls',
    'reach it only through its base URL',
  ],
  ['tls as text', entry('    tls: "no"'), 'egress[0].tls', 'must be true, false or "intercept"'],
  [
    'private with a public range',
    entry('    private: ["203.0.113.0/24"]'),
    'egress[0].private[0]',
    'is a public range',
  ],
  [
    'private reaching link-local',
    entry('    private: ["169.254.0.0/16"]'),
    'egress[0].private[0]',
    'link-local',
  ],
  [
    'private with host bits',
    entry('    private: ["10.1.2.3/16"]'),
    'egress[0].private[0]',
    'write "10.1.0.0/16"',
  ],
  [
    'private wider than an internal range',
    entry('    private: ["10.0.0.0/7"]'),
    'egress[0].private[0]',
    'reaches outside the internal ranges',
  ],
  [
    'private on the IPv6 metadata range',
    entry('    private: ["fd00:ec2::/64"]'),
    'egress[0].private[0]',
    'instance-metadata',
  ],
  ['private as text', entry('    private: internal'), 'egress[0].private', 'must be true'],
  [
    'intercepted wildcard without the setting',
    policyYaml('  - host: "*.example.com"\n    tls: intercept'),
    'egress[0].tls',
    'allow_wildcards: true',
  ],
  [
    'request rules on a tunnelled entry',
    policyYaml('  - host: github.com\n    allow: [{ method: GET, path_prefix: /acme/ }]'),
    'egress[0].allow',
    'tls: intercept',
  ],
  [
    'git rule on a tunnelled entry',
    policyYaml(
      '  - host: github.com\n    inject: { header: authorization, secret: gh }\n    allow: [{ git_repo: acme/widgets }]',
    ),
    'egress[0].allow[0].git_repo',
    'set `tls: intercept`',
  ],
  [
    'repository without an owner',
    policyYaml('  - host: github.com\n    tls: intercept\n    allow: [{ git_repo: widgets }]'),
    'egress[0].allow[0].git_repo',
    'not a repository of the form "owner/name"',
  ],
  [
    'repository with a wildcard',
    policyYaml('  - host: github.com\n    tls: intercept\n    allow: [{ git_repo: "acme/*" }]'),
    'egress[0].allow[0].git_repo',
    '"owner/name"',
  ],
  [
    'repository with a host',
    policyYaml(
      '  - host: github.com\n    tls: intercept\n    allow: [{ git_repo: github.com/acme/widgets }]',
    ),
    'egress[0].allow[0].git_repo',
    'no host',
  ],
  [
    'git rule mixed with a path',
    policyYaml(
      '  - host: github.com\n    tls: intercept\n    allow: [{ git_repo: acme/w, path: /x }]',
    ),
    'egress[0].allow[0]',
    'mixes `git_repo`',
  ],
  [
    'push without a repository',
    policyYaml(
      '  - host: github.com\n    tls: intercept\n    allow: [{ method: GET, path: /x, push: true }]',
    ),
    'egress[0].allow[0]',
    '`push` applies only',
  ],
  [
    'basic credential without a user',
    policyYaml(
      '  - host: github.com\n    tls: intercept\n    inject: { header: authorization, secret: gh, format: basic }',
    ),
    'egress[0].inject.username',
    'required with `format: basic`',
  ],
  [
    'user on a bearer credential',
    policyYaml(
      '  - host: github.com\n    tls: intercept\n    inject: { header: authorization, secret: gh, format: bearer, username: x }',
    ),
    'egress[0].inject.username',
    'only with `format: basic`',
  ],
  [
    'base URL on an intercepted entry',
    policyYaml(
      '  - host: github.com\n    tls: intercept\n    inject: { header: authorization, secret: gh, port: 8090 }',
    ),
    'egress[0].inject.port',
    'agents use https://github.com itself',
  ],
  [
    'websocket on a tunnelled entry',
    policyYaml('  - host: github.com\n    websocket: true'),
    'egress[0].websocket',
    'applies only to intercepted entries',
  ],
  [
    'unknown credential format',
    policyYaml(
      '  - host: github.com\n    inject: { header: authorization, secret: gh, format: digest }',
    ),
    'egress[0].inject.format',
    'must be one of raw, bearer, basic',
  ],
  [
    'debug log level',
    policyYaml('  - host: github.com', 'proxy: { log_level: debug }'),
    'proxy.log_level',
    'prints request headers, including credentials',
  ],
  [
    'trace log level',
    policyYaml('  - host: github.com', 'proxy: { log_level: trace }'),
    'proxy.log_level',
    'is refused',
  ],
  [
    'drain longer than Fargate allows',
    policyYaml('  - host: github.com', 'proxy: { limits: { drain_timeout_s: 300 } }'),
    'proxy.limits.drain_timeout_s',
    'at most 110',
  ],
  [
    'zero per-agent rate',
    policyYaml('  - host: github.com', 'proxy: { limits: { requests_per_second_per_agent: 0 } }'),
    'proxy.limits.requests_per_second_per_agent',
    'at least 1',
  ],
  [
    'unbounded HTTP/2 streams',
    policyYaml('  - host: github.com', 'proxy: { limits: { max_concurrent_streams: 100000 } }'),
    'proxy.limits.max_concurrent_streams',
    'at most 1024',
  ],
  [
    'tiny DNS cache',
    policyYaml('  - host: github.com', 'proxy: { limits: { dns_cache_max_hosts: 1 } }'),
    'proxy.limits.dns_cache_max_hosts',
    'at least 16',
  ],
  [
    'distroless proxy image',
    policyYaml('  - host: github.com', 'proxy: { image: "envoyproxy/envoy-distroless:v1.36.4" }'),
    'proxy.image',
    'has no shell',
  ],
  [
    'log flush too frequent',
    policyYaml('  - host: github.com', 'logging: { flush_interval_s: 1 }'),
    'logging.flush_interval_s',
    'at least 5',
  ],
];

describe('policy validation rejects bad input with a precise message', () => {
  it('covers at least 25 distinct bad policies', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(25);
  });

  it.each(BAD)('%s', (_what, text, path, words) => {
    const problems = policyProblems(text);
    const match = problems.find((p) => p.path === path);
    expect(match, `no problem at ${path}; got ${JSON.stringify(problems)}`).toBeDefined();
    expect(match?.message).toContain(words);
    expect(match?.line).toBeGreaterThan(0);
  });
});

describe('documents that are not policies', () => {
  it.each([
    ['an empty file', '', 'is empty'],
    ['only comments', '# nothing here\n', 'is empty'],
    ['a scalar', 'hello world', 'not a policy'],
    ['a list', '- host: github.com', 'not a policy'],
  ])('rejects %s', (_what, text, words) => {
    const [problem] = policyProblems(text);
    expect(problem?.message).toContain(words);
  });

  it('reports YAML syntax errors with their line number', () => {
    const problems = policyProblems('name: demo\negress:\n  - host: github.com: 443\n');
    expect(problems[0]?.message).toMatch(/^YAML syntax error: Nested mappings are not allowed/);
    expect(problems[0]?.line).toBe(3);
  });

  it('rejects duplicate keys as a YAML error', () => {
    const problems = policyProblems('name: a\nname: b\negress:\n  - host: github.com');
    expect(problems[0]?.message).toContain('Map keys must be unique');
  });
});

describe('error reporting', () => {
  it('reports every problem at once, each with its line, sorted by line', () => {
    const text = [
      'name: BAD',
      'egress:',
      '  - host: 10.0.0.1',
      '  - host: github.com',
      '    ports: [0]',
      '  - host: github.com',
      '    inject: { header: x-api-key, secret: sk-ant-abc }',
    ].join('\n');
    const problems = policyProblems(text);
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [1, 'name'],
      [3, 'egress[0].host'],
      [5, 'egress[1].ports[0]'],
      [6, 'egress[2].host'],
      [7, 'egress[2].inject.secret'],
    ]);
  });

  it('formats a message with file, line, path, value and fix', () => {
    try {
      parsePolicy(policyYaml('  - host: 10.1.2.3'), 'bad.yaml');
      expect.unreachable('the policy is invalid');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).exitCode).toBe(2);
      expect((error as Error).message).toContain(
        'bad.yaml:3: egress[0].host: "10.1.2.3" is an IP literal',
      );
      expect((error as Error).message).toContain("Fix: use the service's DNS name.");
    }
  });
});

/** Agent-profile fields of the AWS workloads and `local`: [what, agent YAML, path, words]. */
const AGENT_BAD: readonly [string, string, string, string][] = [
  [
    'wildcard IAM action',
    '    aws_access:\n      - actions: ["s3:*"]\n        resources: ["arn:aws:s3:::b/k"]',
    'agents[0].aws_access[0].actions[0]',
    'wildcards ("*", "s3:Get*") are not allowed',
  ],
  [
    'star IAM action',
    '    aws_access:\n      - actions: ["*"]\n        resources: ["arn:aws:s3:::b/k"]',
    'agents[0].aws_access[0].actions[0]',
    'is not one exact IAM action',
  ],
  [
    'wildcard IAM resource',
    '    aws_access:\n      - actions: [s3:GetObject]\n        resources: ["arn:aws:s3:::b/*"]',
    'agents[0].aws_access[0].resources[0]',
    'contains a wildcard',
  ],
  [
    'star IAM resource',
    '    aws_access:\n      - actions: [s3:GetObject]\n        resources: ["*"]',
    'agents[0].aws_access[0].resources[0]',
    'never "*"',
  ],
  [
    'IAM resource not an ARN',
    '    aws_access:\n      - actions: [s3:GetObject]\n        resources: ["my-bucket"]',
    'agents[0].aws_access[0].resources[0]',
    'is not an ARN',
  ],
  [
    'unknown ARN placeholder',
    `    aws_access:\n      - actions: [s3:GetObject]\n        resources: ["arn:\${AWS::Partition}:s3:::\${Bucket}/k"]`,
    'agents[0].aws_access[0].resources[0]',
    `uses \${Bucket}`,
  ],
  [
    'empty aws_access actions',
    '    aws_access:\n      - actions: []\n        resources: ["arn:aws:s3:::b/k"]',
    'agents[0].aws_access[0].actions',
    'list at least one action',
  ],
  [
    'service with no tasks',
    '    service: { desired_count: 0 }',
    'agents[0].service.desired_count',
    'remove `service` for run-on-demand only',
  ],
  ['unknown runtime', '    runtime: kata', 'agents[0].runtime', 'must be "runc" or "runsc"'],
  [
    'ephemeral storage below Fargate minimum',
    '    ephemeral_storage_gib: 10',
    'agents[0].ephemeral_storage_gib',
    'must be 21-200 GiB',
  ],
  [
    'AWS credentials in the agent environment',
    '    environment: { AWS_SECRET_ACCESS_KEY: placeholder }',
    'agents[0].environment.AWS_SECRET_ACCESS_KEY',
    'is a credential variable',
  ],
  [
    'proxy credential variable in the agent environment',
    '    environment: { AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY: x }',
    'agents[0].environment.AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY',
    'is a credential variable',
  ],
  [
    'agent overrides the injecting base URL',
    '    environment: { ANTHROPIC_BASE_URL: "https://api.anthropic.com" }',
    'agents[0].environment.ANTHROPIC_BASE_URL',
    "proxy's credential-injecting base URL",
  ],
  [
    'scratch on a kernel filesystem',
    '    scratch: [{ path: /proc/self, size_mib: 16 }]',
    'agents[0].scratch[0].path',
    'kernel filesystem',
  ],
  [
    'scratch exec not a boolean',
    '    scratch: [{ path: /tmp, size_mib: 16, exec: "yes" }]',
    'agents[0].scratch[0].exec',
    'must be true or false',
  ],
  ['agent name with a double dash', '', 'agents[0].name', 'single "-" between letters or digits'],
];

describe('agent profile validation rejects bad input with a precise message', () => {
  const agentPolicy = (what: string, yaml: string) =>
    policyYaml(
      '  - host: api.anthropic.com\n    inject: { header: x-api-key, secret: anthropic-api-key }',
      `agents:\n  - name: ${what === 'agent name with a double dash' ? 'a--b' : 'a'}\n    image: node:22\n${yaml}`,
    );

  it.each(AGENT_BAD)('%s', (what, yaml, path, words) => {
    const problems = policyProblems(agentPolicy(what, yaml));
    const match = problems.find((p) => p.path === path);
    expect(match, `no problem at ${path}; got ${JSON.stringify(problems)}`).toBeDefined();
    expect(match?.message).toContain(words);
    expect(match?.line).toBeGreaterThan(0);
  });
});

/**
 * A top-level case moved into a profile's own `egress`: same entries, nested four spaces
 * deeper, under a profile of a policy whose top-level list is valid.
 */
function inProfile(text: string): string | undefined {
  const head = 'name: test\negress:\n';
  if (!text.startsWith(head)) return undefined;
  const lines = text.slice(head.length).split('\n');
  if (!lines.every((l) => l === '' || l.startsWith(' '))) return undefined;
  const nested = lines.map((l) => (l === '' ? l : `    ${l}`)).join('\n');
  return `${head}  - host: example.org\nagents:\n  - name: a\n    image: node:22\n    egress:\n${nested}`;
}

const PROFILE_BAD = BAD.flatMap(([what, text, path, words]) => {
  const moved = inProfile(text);
  return moved !== undefined && path.startsWith('egress[')
    ? [
        [
          what,
          moved,
          `agents[0].${path}`,
          words.replaceAll('egress[', 'agents[0].egress['),
        ] as const,
      ]
    : [];
});

describe("a profile's own egress is checked like the top-level list, at the profile's path", () => {
  it('covers most of the top-level cases', () => {
    expect(PROFILE_BAD.length).toBeGreaterThanOrEqual(30);
  });

  it.each(PROFILE_BAD)('%s', (_what, text, path, words) => {
    const problems = policyProblems(text);
    const match = problems.find((p) => p.path === path);
    expect(match, `no problem at ${path}; got ${JSON.stringify(problems)}`).toBeDefined();
    expect(match?.message).toContain(words);
    expect(match?.line).toBeGreaterThan(0);
  });
});
