import { z } from 'zod';
import { LEAF_DEFAULT_DAYS, LEAF_MAX_DAYS } from '../ca/profile.js';
import { LOCAL_RUNTIMES } from '../contract/runtimes.js';
import { parseImageReference } from '../image-registry.js';
import { DEFAULT_AGENT_IMAGE, ENVOY_IMAGE } from '../versions.js';
import { DeploymentSchema } from './deployment.js';
import { hostProblem } from './hosts.js';
import { LandingZoneSchema } from './landing-zone.js';
import { ModelAccessSchema } from './model-access-schema.js';
import { looksLikeSecret } from './secrets.js';
import { privateCidrProblem } from './upstream-addresses.js';
import { withDefault } from './with-default.js';

/*
 * The policy file's one schema. It validates the file, gives the TypeScript types, and is
 * emitted as JSON Schema (schema/agent-perimeter.schema.json) for editors. Messages name the
 * problem and the fix; the loader prefixes the path and the offending value.
 */

/** CloudWatch Logs accepts only these retention periods; GCP log buckets accept any of them. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** vCPU sizes both Fargate and Cloud Run can run. */
export const CPU_SIZES = [0.25, 0.5, 1, 2, 4, 8, 16] as const;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
/** Headers the proxy itself owns; injecting them would break or bypass the proxy. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'te',
  'proxy-authorization',
  'proxy-connection',
]);

const custom = (check: (value: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A container image reference; a digest must be `sha256:` and 64 hex digits. */
const imageReference = custom((image) => {
  const parsed = parseImageReference(image);
  return 'problem' in parsed ? parsed.problem : undefined;
});

/** A Secrets Manager secret ECR's pull-through cache reads its upstream login from. */
export const PULL_THROUGH_SECRET_PREFIX = 'ecr-pullthroughcache/';

const port = (what: string) =>
  z
    .number({ error: `must be a port number (1-65535) for ${what}.` })
    .int({ error: `must be a whole port number (1-65535) for ${what}.` })
    .min(1, { error: `is not a port. Fix: use 1-65535 for ${what}.` })
    .max(65535, { error: `is not a port. Fix: use 1-65535 for ${what}.` });

const Host = custom(hostProblem).meta({
  description:
    'Exact DNS name, or "*.example.com" to allow exactly one label under a domain. No IPs, schemes, paths or ports.',
  pattern: '^(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$',
});

const SecretName = custom((name) => {
  const what = looksLikeSecret(name);
  if (what !== undefined) {
    return `looks like ${what}, not the name of a secret. Never put credentials in the policy: store the value in your cloud secret store (AWS Secrets Manager / GCP Secret Manager) and write its name here.`;
  }
  if (!SECRET_NAME.test(name)) {
    return 'is not a valid secret name. Fix: 1-255 characters of letters, digits, "-" and "_", starting with a letter or digit (names that work in both AWS and GCP).';
  }
  return undefined;
}).meta({ description: 'Name of a secret in the cloud secret store, never the value itself.' });

const HeaderName = custom((name) => {
  if (!HEADER_NAME.test(name.toLowerCase())) {
    return 'is not a valid HTTP header name. Fix: use letters, digits and "-" only, e.g. "x-api-key" or "authorization".';
  }
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    return 'is a header the proxy manages itself. Fix: inject the credential into an application header such as "authorization" or "x-api-key".';
  }
  return undefined;
})
  .transform((name) => name.toLowerCase())
  .meta({ description: 'Header the proxy sets (overwriting any value the agent sent).' });

const EnvName = z.string().regex(ENV_NAME, {
  error:
    'is not an environment variable name. Fix: use A-Z, 0-9 and "_", e.g. "ANTHROPIC_BASE_URL".',
});

/** How the secret becomes the header value (Envoy's generic credential uses it verbatim). */
export const CREDENTIAL_FORMATS = ['raw', 'bearer', 'basic'] as const;

const BasicUser = z
  .string()
  .regex(/^[A-Za-z0-9._~-]{1,64}$/, {
    error:
      'is not a user name for Basic authentication. Fix: 1-64 letters, digits and ".-_~", e.g. "x-access-token" (GitHub).',
  })
  .meta({ description: 'The fixed user of `format: basic`, e.g. "x-access-token" for GitHub.' });

export const InjectSchema = z
  .strictObject({
    header: HeaderName,
    secret: SecretName,
    format: withDefault(
      z.enum(CREDENTIAL_FORMATS, { error: `must be one of ${CREDENTIAL_FORMATS.join(', ')}.` }),
      'raw',
      'raw: the secret is the header value; bearer: "Bearer <secret>"; basic: "Basic base64(<username>:<secret>)".',
    ),
    username: BasicUser.optional(),
    port: port('the plain-HTTP listener the agent uses as its base URL').optional().meta({
      description: 'Proxy listener port for this base URL. @default proxy.inject_base_port + index',
    }),
    env: EnvName.optional().meta({
      description:
        'Agent environment variable that receives http://<proxy>:<port>. @default ANTHROPIC_BASE_URL for api.anthropic.com, else <HOST>_BASE_URL',
    }),
  })
  .meta({
    description: 'The proxy adds this credential to requests sent to the base-URL listener.',
  });

/** Methods a request rule may name. CONNECT and TRACE are never forwarded to an upstream. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Characters of an RFC 3986 path, without percent-encoding (Envoy compares decoded paths). */
const PATH_CHARS = /^[A-Za-z0-9._~!$&'()*+,;=:@/-]+$/;

function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/", e.g. "/v1/messages".';
  if (/[?#]/.test(path)) {
    return 'contains a query or fragment. Fix: write only the path; the query string is not matched.';
  }
  if (!PATH_CHARS.test(path)) {
    return 'contains characters a normalized path cannot hold (spaces, "%" escapes, non-ASCII). Fix: write the decoded path with letters, digits and "/-._~".';
  }
  if (path.includes('//') || /\/\.\.?(\/|$)/.test(path)) {
    return 'contains "//", "." or ".." segments, which Envoy normalizes away before matching, so the rule would never match. Fix: write the normalized path.';
  }
  return undefined;
}

const RequestPath = custom(pathProblem).meta({
  description: 'Exact path, e.g. "/v1/messages". The query string is not part of the match.',
});

const RequestPathPrefix = custom((prefix) => {
  const problem = pathProblem(prefix);
  if (problem !== undefined) return problem;
  if (!prefix.endsWith('/')) {
    return `must end with "/" so it matches whole path segments ("${prefix}" would also match "${prefix}-other"). Fix: write "${prefix}/", or use \`path\` for one exact path.`;
  }
  return undefined;
}).meta({ description: 'Path prefix ending in "/", e.g. "/v1/files/".' });

/** GitHub's rules for owner and repository names (the `.git` suffix is added by the proxy). */
const GIT_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

const GitRepo = custom((repo) => {
  if (!GIT_REPO.test(repo) || repo.endsWith('.git') || /\/\.\.?$/.test(repo)) {
    return 'is not a repository of the form "owner/name". Fix: write e.g. "acme/widgets" (no host, no ".git", no wildcards).';
  }
  return undefined;
}).meta({ description: 'A repository as "owner/name", e.g. "acme/widgets".' });

export const RequestRuleSchema = z
  .strictObject({
    method: z
      .enum(HTTP_METHODS, {
        error: `must be one of ${HTTP_METHODS.join(', ')} (upper case).`,
      })
      .optional(),
    path: RequestPath.optional(),
    path_prefix: RequestPathPrefix.optional(),
    git_repo: GitRepo.optional().meta({
      description:
        'Git over smart HTTP to this one repository: fetch and clone (`info/refs?service=git-upload-pack`, `git-upload-pack`), and with `push: true` also `git-receive-pack`. Replaces `method` and `path`.',
    }),
    push: z.boolean({ error: 'must be true or false.' }).optional().meta({
      description: 'With `git_repo`: also allow pushes to it. @default false',
    }),
  })
  .superRefine((rule, ctx) => {
    if (rule.git_repo !== undefined) {
      if (rule.method !== undefined || rule.path !== undefined || rule.path_prefix !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'mixes `git_repo` with `method`/`path`/`path_prefix`. Fix: write the git rule on its own, e.g. { git_repo: acme/widgets, push: true }, and other requests as separate rules.',
        });
      }
      return;
    }
    if (rule.push !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: '`push` applies only to a `git_repo` rule. Fix: add `git_repo`, or remove `push`.',
      });
    }
    if (rule.method === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'needs a `method` (or a `git_repo`), e.g. { method: POST, path: /v1/messages }.',
      });
    }
    if ((rule.path === undefined) === (rule.path_prefix === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'needs exactly one of `path` (one exact path) or `path_prefix` (a subtree ending in "/"), e.g. { method: POST, path: /v1/messages }.',
      });
    }
  })
  .meta({
    description:
      'One kind of request the proxy forwards: a method and a path, or git access to one repository.',
  });

const PrivateCidr = custom((cidr) => privateCidrProblem(cidr)).meta({
  description: 'Internal address range, e.g. "10.20.0.0/16".',
});

export const EgressSchema = z.strictObject({
  host: Host,
  ports: withDefault(
    z
      .array(port('this host'), { error: 'must be a list of ports, e.g. [443].' })
      .min(1, { error: 'is empty. Fix: list at least one port, or omit `ports` for [443].' })
      .max(16, { error: 'lists more than 16 ports. Fix: split the entry or narrow the ports.' }),
    [443],
    'Ports the agent may CONNECT to.',
  ),
  tls: withDefault(
    z.union([z.boolean(), z.literal('intercept')], {
      error: 'must be true, false or "intercept".',
    }),
    true,
    'true: every tunnel to this host must carry TLS whose SNI names the host; anything else is closed. false: opaque tunnels (e.g. SSH on port 22), an explicit choice per entry. "intercept": the proxy terminates the TLS with a certificate from the private CA (`proxy.interception`), applies `allow` and `inject` to each request, and forwards it over verified TLS.',
  ),
  websocket: z.boolean({ error: 'must be true or false.' }).optional().meta({
    description:
      'With `tls: intercept`: allow WebSocket upgrades through this entry. @default false',
  }),
  private: z
    .union([z.boolean(), z.array(PrivateCidr).min(1).max(16)], {
      error:
        'must be true (any internal range: 10/8, 172.16/12, 192.168/16, 100.64/10) or a list of CIDR blocks such as ["10.20.0.0/16"].',
    })
    .optional()
    .meta({
      description:
        'The host is internal: allow it to resolve to internal addresses (true: 10/8, 172.16/12, 192.168/16, 100.64/10; or only the listed CIDRs), and only to those. @default - public addresses only',
    }),
  inject: InjectSchema.optional(),
  allow: z.array(RequestRuleSchema).min(1).max(64).optional().meta({
    description:
      'Requests the proxy forwards for this entry (needs `inject` or `tls: intercept`); anything else gets a 403 naming the policy. @default - every method and path',
  }),
  description: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'Why the agent needs this host (rendered into docs).' }),
});

const ScratchSchema = z.strictObject({
  path: z.string().regex(/^\/[A-Za-z0-9._/-]*$/, {
    error: 'must be an absolute path such as "/tmp".',
  }),
  size_mib: z
    .number()
    .int()
    .min(1, { error: 'must be at least 1 MiB.' })
    .max(200 * 1024, { error: 'must be at most 204800 MiB (200 GiB, the Fargate limit).' }),
  exec: z.boolean().optional().meta({
    description:
      'Allow running programs stored here (e.g. tools `npx` installs into the agent home). Locally this drops `noexec` from the tmpfs; Fargate cannot mount scratch `noexec` at all. @default false',
  }),
});

/** Placeholders an `aws_access` resource ARN may use; the stack fills in its own values. */
export const ARN_PLACEHOLDERS = ['Partition', 'Region', 'AccountId'].map(
  (name) => `\${AWS::${name}}`,
);

const IamAction = z
  .string()
  .regex(/^[a-z0-9-]+:[A-Za-z0-9]+$/, {
    error:
      'is not one exact IAM action. Fix: write "service:Action", e.g. "s3:GetObject"; wildcards ("*", "s3:Get*") are not allowed, list each action.',
  })
  .meta({ description: 'One exact IAM action, e.g. "s3:GetObject". No wildcards.' });

const IamResource = custom((arn) => {
  if (/[*?]/.test(arn)) {
    return 'contains a wildcard. Fix: list each resource ARN exactly; agents get access to named resources only, never "*".';
  }
  const filled = arn.replace(/\$\{AWS::[A-Za-z]+\}/g, 'x');
  if (!/^arn:[a-z0-9-]+:[a-z0-9-]+:[^:]*:[^:]*:.+$/.test(filled)) {
    return `is not an ARN. Fix: write the full ARN, e.g. "arn:\${AWS::Partition}:s3:::my-bucket/reports/latest.json".`;
  }
  const unknown = (arn.match(/\$\{[^}]*\}/g) ?? []).filter((p) => !ARN_PLACEHOLDERS.includes(p));
  if (unknown.length > 0) {
    return `uses ${unknown.join(', ')}. Fix: the only placeholders are ${ARN_PLACEHOLDERS.join(', ')}.`;
  }
  return undefined;
}).meta({
  description: `Exact ARN. ${ARN_PLACEHOLDERS.join(', ')} are replaced with the stack's own. No wildcards.`,
});

const AwsAccessSchema = z
  .strictObject({
    actions: z.array(IamAction).min(1, { error: 'is empty. Fix: list at least one action.' }),
    resources: z
      .array(IamResource)
      .min(1, { error: 'is empty. Fix: list at least one resource ARN.' }),
  })
  .meta({ description: 'Exactly these actions on exactly these resources.' });

export const AgentSchema = z.strictObject({
  name: z
    .string()
    .max(32, {
      error: 'must be a DNS label (a-z, 0-9, "-", at most 32 characters), e.g. "claude-code".',
    })
    .regex(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/, {
      error:
        'must be a DNS label (a-z, 0-9, single "-" between letters or digits, at most 32 characters), e.g. "claude-code".',
    }),
  // Checked as an image reference by the policy's cross-field checks: the egress probe builds
  // a profile from a CDK token here.
  image: z.string().min(1).meta({
    description:
      "Container image of the agent, `name:tag@sha256:<digest>` to run exactly one image (a tag alone is warned about). On AWS it must be in private ECR in the stack's account and region, or on public.ecr.aws (pulled through an ECR pull-through cache): the agent subnets have no internet.",
  }),
  command: z.array(z.string()).optional().meta({ description: '@default - the image entrypoint' }),
  cpu: withDefault(
    z.union(
      CPU_SIZES.map((n) => z.literal(n)),
      {
        error: `must be one of ${CPU_SIZES.join(', ')} vCPU.`,
      },
    ),
    1,
    'vCPUs.',
  ),
  memory_mib: withDefault(
    z
      .number()
      .int()
      .min(512, { error: 'must be at least 512 MiB.' })
      .max(122880, { error: 'must be at most 122880 MiB.' }),
    2048,
  ),
  pids_limit: withDefault(
    z.number().int().min(16).max(65536),
    512,
    'Maximum processes (nproc ulimit / pids limit).',
  ),
  user: z
    .string()
    .regex(/^[1-9][0-9]*:[1-9][0-9]*$/, {
      error: 'must be a non-root "uid:gid" such as "1000:1000" (root, uid 0, is not allowed).',
    })
    .default('1000:1000'),
  environment: z.record(EnvName, z.string()).default({}).meta({
    description:
      'Plain, non-secret environment variables for the agent. Names that by convention hold credentials (*_TOKEN, *_API_KEY, *_PASSWORD, *_SECRET, ...) and credential values (known token formats, URLs with user:password@) are refused: the proxy injects credentials instead.',
  }),
  environment_not_credentials: withDefault(
    z.array(EnvName).max(64),
    [],
    'Variables of `environment` reviewed as holding no credential although their name or value looks like one (e.g. "TOKENIZER_KEY"). Reserved and proxy variables stay refused.',
  ),
  scratch: z
    .array(ScratchSchema)
    .max(8)
    .default([
      { path: '/tmp', size_mib: 1024 },
      { path: '/home/agent', size_mib: 1024 },
    ])
    .meta({ description: 'Writable scratch volumes; everything else is read-only.' }),
  ephemeral_storage_gib: z
    .number()
    .int()
    .min(21, { error: 'must be 21-200 GiB (Fargate ephemeral storage).' })
    .max(200, { error: 'must be 21-200 GiB (Fargate ephemeral storage).' })
    .optional()
    .meta({
      description:
        'Fargate task storage that holds the image and every scratch volume; it is the only bound on scratch use there. @default - 20 GiB, or the scratch total plus 10 GiB for the image when that is more',
    }),
  service: z
    .strictObject({
      desired_count: z
        .number()
        .int()
        .min(1, { error: 'must be at least 1. Fix: remove `service` for run-on-demand only.' })
        .max(100, { error: 'must be at most 100.' })
        .default(1),
    })
    .optional()
    .meta({
      description:
        'Also run this profile as a long-running ECS service with this many tasks. @default - on-demand runs only (ecs run-task)',
    }),
  aws_access: z.array(AwsAccessSchema).max(10).optional().meta({
    description:
      "AWS permissions for the agent's task role. Credentials then live inside the agent boundary; prefer making the proxy call on the agent's behalf. @default - no task role at all",
  }),
  egress: z
    .array(EgressSchema, { error: 'must be a list of { host, ports?, inject? } entries.' })
    .min(1, {
      error:
        'is empty, so this profile could reach nothing. Fix: list the hosts it needs, or remove `egress` to use the top-level list.',
    })
    .optional()
    .meta({
      description:
        "This profile's own allowlist, entries as in the top-level `egress` (inject included); it replaces the top-level list for this profile. @default - the top-level `egress`",
    }),
  model_access: ModelAccessSchema.optional().meta({
    description:
      'How this profile reaches Claude, shaped like the top-level `model_access`; it replaces the top-level choice for this profile, which then gets a model listener of its own (only its models pass it). All profiles that use Bedrock must agree on `region` and `api_key_secret`, all that use Vertex AI on `project` and `region`. @default - the top-level `model_access`',
  }),
  proxy_port: port("this profile's HTTP_PROXY/HTTPS_PROXY listener").optional().meta({
    description:
      "Forward-proxy listener of this profile; each profile has its own listeners, so the proxy knows which profile sent a request. @default - proxy.port + the profile's index",
  }),
  runtime: z
    .enum(LOCAL_RUNTIMES, { error: 'must be "runc" or "runsc" (gVisor).' })
    .optional()
    .meta({
      description:
        'OCI runtime for `agent-perimeter local`; "runsc" runs the agent under gVisor. Fargate always uses its own microVM isolation. @default - Docker\'s default runtime',
    }),
});

const LimitsSchema = z.strictObject({
  connect_timeout_s: z.number().positive().max(60).default(5),
  idle_timeout_s: z.number().int().min(1).max(3600).default(300),
  max_tunnel_duration_s: z.number().int().min(1).max(86400).default(3600),
  max_request_headers_kb: z.number().int().min(1).max(8192).default(60),
  request_headers_timeout_s: withDefault(
    z.number().int().min(1).max(300),
    10,
    'Time an agent has to send complete request headers (slow-header attacks).',
  ),
  max_concurrent_streams: withDefault(
    z.number().int().min(1).max(1024),
    100,
    'HTTP/2 streams per agent connection.',
  ),
  max_connections: withDefault(
    z.number().int().min(1).max(1_000_000),
    10000,
    'Open downstream connections per proxy task (Envoy overload manager), and the circuit-breaker limit of every upstream cluster.',
  ),
  requests_per_second: z.number().int().min(1).max(100000).optional().meta({
    description: 'Token-bucket limit per proxy task, all agents together. @default - unlimited',
  }),
  requests_per_second_per_agent: withDefault(
    z.number().int().min(1).max(100000),
    100,
    'Token-bucket limit per agent address and proxy task, so one agent cannot starve the rest.',
  ),
  dns_cache_max_hosts: withDefault(
    z.number().int().min(16).max(100000),
    1024,
    'Names under wildcard entries the proxy keeps resolved at once. Exact entries have their own cache, sized to the allowlist, which agents cannot fill.',
  ),
  dns_host_ttl_s: withDefault(
    z.number().int().min(5).max(3600),
    60,
    'Unused names leave the DNS cache after this long.',
  ),
  drain_timeout_s: withDefault(
    z.number().int().min(1).max(110),
    30,
    'On SIGTERM the proxy fails its health check and drains for this long before it exits; the container stop timeout is 10 s longer (Fargate allows at most 120 s).',
  ),
});

/** Log levels the proxy may run at. debug and trace print request headers after injection. */
export const PROXY_LOG_LEVELS = ['info', 'warning', 'error', 'critical', 'off'] as const;

/** The private CA for `tls: intercept` entries. */
export const InterceptionSchema = z
  .strictObject({
    ca_secret: SecretName.meta({
      description:
        "Secret holding the CA's private key (PEM, from `agent-perimeter ca create`); only the proxy's identity can read it.",
    }),
    ca_certificate: z
      .string({ error: 'must be the path of the CA certificate (PEM), e.g. "ca/ca.crt".' })
      .min(1)
      .meta({
        description:
          'The CA certificate (PEM), relative to the policy file. It is public: agents trust it, and it is checked at synth (validity, name constraints).',
      }),
    also_trusted: withDefault(
      z.array(z.string().min(1)).max(4),
      [],
      'More CA certificates agents trust, e.g. the next CA during a rotation (relative paths).',
    ),
    leaf_lifetime_days: withDefault(
      z.number().int().min(1).max(LEAF_MAX_DAYS),
      LEAF_DEFAULT_DAYS,
      'Lifetime of the per-host certificates the proxy issues at start; it re-issues them at half their lifetime.',
    ),
    allow_wildcards: withDefault(
      z.boolean({ error: 'must be true or false.' }),
      false,
      'Allow `tls: intercept` on wildcard entries (one wildcard certificate per entry; the credential then goes to every name under it).',
    ),
  })
  .meta({ description: 'TLS interception with a private CA. @default - no interception' });

export const ProxySchema = z.strictObject({
  image: imageReference.default(ENVOY_IMAGE).meta({
    description:
      'The Envoy image: `name:tag@sha256:<digest>` or `name@sha256:<digest>` runs exactly one image; a tag alone is warned about (and refused with landing_zone). On AWS an image on Docker Hub, quay.io or public.ecr.aws is pulled through an ECR pull-through cache, never from the registry directly; a private ECR image is used as it is. @default the pinned release in lib/versions.ts',
  }),
  registry_credential_secret: withDefault(
    z.string().regex(new RegExp(`^${PULL_THROUGH_SECRET_PREFIX}[a-zA-Z0-9/_+=.@-]{1,200}$`), {
      error: `must be a Secrets Manager secret name starting with "${PULL_THROUGH_SECRET_PREFIX}" (ECR reads only those), e.g. "${PULL_THROUGH_SECRET_PREFIX}docker-hub".`,
    }),
    `${PULL_THROUGH_SECRET_PREFIX}docker-hub`,
    'AWS only: the Secrets Manager secret (same account and region) with the Docker Hub login ECR\'s pull-through cache uses to fetch a Docker Hub proxy image, as {"username": ..., "accessToken": ...}. Create it before deploying; unused when proxy.image is in private ECR, quay.io or public.ecr.aws.',
  ),
  port: port('the HTTP_PROXY/HTTPS_PROXY listener').default(3128),
  health_port: port('the load-balancer health check').default(8099),
  inject_base_port: port('the first base-URL listener').default(8081),
  admin: withDefault(
    z.enum(['disabled', 'loopback'], { error: 'must be "disabled" or "loopback".' }),
    'loopback',
    'Envoy\'s admin interface, on 127.0.0.1 only (agents cannot reach it). The launcher uses it to fail health checks and drain on SIGTERM; "disabled" makes SIGTERM stop Envoy at once.',
  ),
  log_level: withDefault(
    z.enum(PROXY_LOG_LEVELS, {
      error: (issue) =>
        issue.input === 'debug' || issue.input === 'trace'
          ? `is refused: at ${String(issue.input)} level Envoy prints request headers, including credentials it injected. Fix: use one of ${PROXY_LOG_LEVELS.join(', ')}.`
          : `must be one of ${PROXY_LOG_LEVELS.join(', ')}.`,
    }),
    'info',
    "Envoy's log level (debug and trace are refused).",
  ),
  credentials_from: withDefault(
    z.enum(['env', 'file'], { error: 'must be "env" or "file".' }),
    'env',
    'How Envoy reads injected credentials: environment variables, or files under /etc/agent-perimeter/secrets.',
  ),
  replicas: z
    .strictObject({
      min: z.number().int().min(1).max(100).default(2),
      max: z.number().int().min(1).max(100).default(6),
    })
    .default({ min: 2, max: 6 }),
  cpu: z
    .union(
      CPU_SIZES.map((n) => z.literal(n)),
      { error: `must be one of ${CPU_SIZES.join(', ')} vCPU.` },
    )
    .default(0.5),
  memory_mib: z.number().int().min(512).max(122880).default(1024),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  interception: InterceptionSchema.optional(),
});

export const LoggingSchema = z.strictObject({
  flush_interval_s: withDefault(
    z.number().int().min(5).max(3600),
    60,
    'Tunnels are logged when established and then at this interval, so a long tunnel is never invisible until it closes.',
  ),
  retention_days: z
    .union(
      RETENTION_DAYS.map((n) => z.literal(n)),
      {
        error: `must be one of ${RETENTION_DAYS.join(', ')} (the periods CloudWatch Logs supports).`,
      },
    )
    .default(365),
});

export const PolicySchema = z
  .strictObject({
    name: z.string().regex(/^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/, {
      error:
        'must be a DNS label of at most 20 characters (a-z, 0-9, "-"), e.g. "demo"; it prefixes cloud resource names.',
    }),
    egress: z
      .array(EgressSchema, { error: 'must be a list of { host, ports?, inject? } entries.' })
      .default([])
      .meta({
        description:
          'The default allowlist: what every profile without its own `egress` may reach. Required (at least one entry) unless every profile sets its own. @default - none (every profile then needs its own)',
      }),
    agents: z
      .array(AgentSchema)
      .min(1)
      .default([
        {
          name: 'agent',
          image: DEFAULT_AGENT_IMAGE,
          cpu: 1,
          memory_mib: 2048,
          pids_limit: 512,
          user: '1000:1000',
          environment: {},
          environment_not_credentials: [],
          scratch: [
            { path: '/tmp', size_mib: 1024 },
            { path: '/home/agent', size_mib: 1024 },
          ],
        },
      ]),
    model_access: ModelAccessSchema.default({ provider: 'anthropic' }),
    proxy: ProxySchema.default(ProxySchema.parse({})),
    logging: LoggingSchema.default(LoggingSchema.parse({})),
    landing_zone: LandingZoneSchema.optional(),
    deployment: DeploymentSchema.default({ profile: 'ha' }),
  })
  .meta({
    title: 'agent-perimeter policy',
    description: 'The single source of truth for what contained agents may reach.',
  });

/** The validated policy, with defaults filled in. */
export type Policy = z.output<typeof PolicySchema>;
/** What a policy file may contain (defaults optional). */
export type PolicyInput = z.input<typeof PolicySchema>;
export type EgressRule = Policy['egress'][number];
export type InjectRule = NonNullable<EgressRule['inject']>;
export type RequestRule = NonNullable<EgressRule['allow']>[number];
export type Interception = NonNullable<Policy['proxy']['interception']>;
export type AgentProfile = Policy['agents'][number];
