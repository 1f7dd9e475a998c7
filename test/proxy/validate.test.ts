import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Io } from '../../bin/commands/command.js';
import { validateEnvoyCommand } from '../../bin/commands/validate-envoy.js';
import { UserError } from '../../lib/errors.js';
import { UnknownEnvoyTypeError, validateEnvoyConfig } from '../../proxy/validate/index.js';
import { protoRegistry } from '../../proxy/validate/protos.js';
import {
  brokenConfigCases,
  DELETE,
  type Edit,
  parseBrokenConfigCases,
} from '../helpers/envoy-config-cases.js';

const FIXTURE = new URL('../fixtures/envoy/bootstrap.yaml', import.meta.url);
const FIXTURE_TEXT = readFileSync(FIXTURE, 'utf8');

/** A fresh copy of the realistic bootstrap (the shape agent-perimeter renders). */
function bootstrap(): unknown {
  return parse(FIXTURE_TEXT);
}

const HCM = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config';
const VHOST = `${HCM}.route_config.virtual_hosts[0]`;
const ROUTE = `${VHOST}.routes[0]`;
const DENY = `${HCM}.route_config.virtual_hosts[2]`;
const DFP_FILTER = `${HCM}.http_filters[0].typed_config`;
const INJECTOR = `${HCM}.http_filters[1].typed_config`;
const GENERIC = `${INJECTOR}.credential.typed_config`;
const ROUTER = `${HCM}.http_filters[2].typed_config`;
const LISTENER_PORT = 'static_resources.listeners[0].address.socket_address.port_value';
const DFP_CLUSTER = 'static_resources.clusters[0]';
const API_CLUSTER = 'static_resources.clusters[1]';
const DNS_CACHE = `${DFP_CLUSTER}.cluster_type.typed_config.dns_cache_config`;

// ---- editing a config by issue path ----------------------------------------------------------

type Key = string | number;

/** `a.b[0]["@type"]` → ['a', 'b', 0, '@type'], the syntax issue paths use. */
function keys(path: string): Key[] {
  const out: Key[] = [];
  for (const m of path.matchAll(/([A-Za-z_]\w*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3] ?? '""') as string);
  }
  return out;
}

function container(config: unknown, path: Key[]): Record<Key, unknown> {
  let node = config;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !(key in node)) {
      throw new Error(`fixture has no ${path.join('.')}`);
    }
    node = (node as Record<Key, unknown>)[key];
  }
  if (typeof node !== 'object' || node === null) throw new Error(`not an object: ${path}`);
  return node as Record<Key, unknown>;
}

function edited(edits: readonly Edit[]): unknown {
  const config = bootstrap();
  for (const [path, value] of edits) {
    const all = keys(path);
    const parent = container(config, all.slice(0, -1));
    const last = all[all.length - 1] ?? '';
    if (value === DELETE) {
      if (!(last in parent)) throw new Error(`fixture has no ${path} to delete`);
      delete parent[last];
    } else {
      parent[last] = value;
    }
  }
  return config;
}

function issuesOf(edits: readonly Edit[]) {
  return validateEnvoyConfig(edited(edits));
}

// ---- valid configs ---------------------------------------------------------------------------

describe('validateEnvoyConfig: valid configs', () => {
  it('accepts the realistic forward-proxy bootstrap', () => {
    expect(validateEnvoyConfig(bootstrap())).toEqual([]);
  });

  it('accepts the same bootstrap written with proto3 JSON (lowerCamelCase) names', () => {
    // Struct contents are user data, not field names: json_format keys stay as they are.
    const camel = (value: unknown, inStruct: boolean): unknown => {
      if (Array.isArray(value)) return value.map((v) => camel(v, inStruct));
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => {
          const key = inStruct ? k : k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
          return [key, camel(v, inStruct || key === 'jsonFormat')];
        }),
      );
    };
    const config = camel(bootstrap(), false);
    const text = JSON.stringify(config);
    expect(text).toContain('"statPrefix"');
    expect(text).toContain('"upstream_host":"%UPSTREAM_HOST%"');
    expect(validateEnvoyConfig(config)).toEqual([]);
  });

  it.each<[string, Edit[]]>([
    ['a uint32 as a decimal string', [[LISTENER_PORT, '3128']]],
    ['an enum by its number', [[`${HCM}.codec_type`, 0]]],
    ['null as "not set"', [['admin', null]]],
    ['a fractional Duration', [[`${DFP_CLUSTER}.connect_timeout`, '0.5s']]],
    ['a nanosecond Duration', [[`${DFP_CLUSTER}.connect_timeout`, '1.000340012s']]],
    ['a UInt64Value as a number', [['stats_server_version_override', 123]]],
    [
      'a UInt64Value as a decimal string',
      [['stats_server_version_override', '18446744073709551615']],
    ],
    [
      'int64 fields as numbers and decimal strings',
      [[`${ROUTE}.match.headers`, [{ name: 'x-n', range_match: { start: '-5', end: 10 } }]]],
    ],
    ['base64 bytes', [[`${DENY}.routes[0].direct_response.body`, { inline_bytes: 'ZGVuaWVk' }]]],
    ['any JSON in a Struct', [['node.metadata', { a: [1, 'two', { three: null }], b: true }]]],
    [
      'a TypedStruct whose value is a valid Router',
      [
        [
          ROUTER,
          {
            '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
            type_url: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
            value: { suppress_envoy_headers: true },
          },
        ],
      ],
    ],
    [
      'a well-known type in an Any, via "value"',
      [
        [
          `${VHOST}.typed_per_filter_config`,
          { f: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2s' } },
        ],
      ],
    ],
    [
      'Empty, Struct and FieldMask in Anys',
      [
        [
          `${API_CLUSTER}.typed_extension_protocol_options`,
          {
            a: { '@type': 'type.googleapis.com/google.protobuf.Empty' }, // no special JSON form
            b: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { k: [1] } },
            c: { '@type': 'type.googleapis.com/google.protobuf.FieldMask', value: 'a.bC,d' },
          },
        ],
      ],
    ],
  ])('accepts %s', (_, edits) => {
    expect(issuesOf(edits)).toEqual([]);
  });

  it('validates other root types', () => {
    const cluster = { name: 'c', type: 'STATIC', connect_timeout: '1s' };
    expect(validateEnvoyConfig(cluster, 'envoy.config.cluster.v3.Cluster')).toEqual([]);
    expect(
      validateEnvoyConfig(cluster, 'type.googleapis.com/envoy.config.cluster.v3.Cluster'),
    ).toEqual([]);
    expect(
      validateEnvoyConfig({ ...cluster, type: 'DYNAMIC' }, 'envoy.config.cluster.v3.Cluster'),
    ).toMatchObject([
      { path: 'type', message: expect.stringContaining('unknown value "DYNAMIC"') },
    ]);
  });

  it('rejects a root type that does not exist', () => {
    expect(() => validateEnvoyConfig({}, 'envoy.config.nope.v3.Nope')).toThrow(
      UnknownEnvoyTypeError,
    );
  });
});

// ---- broken configs --------------------------------------------------------------------------

// Each case: edits of the bootstrap and the one issue they must cause (data, in the fixture).
const broken = brokenConfigCases({
  HCM,
  VHOST,
  ROUTE,
  DENY,
  DFP_FILTER,
  INJECTOR,
  GENERIC,
  ROUTER,
  LISTENER_PORT,
  DFP_CLUSTER,
  API_CLUSTER,
  DNS_CACHE,
});

describe('validateEnvoyConfig: broken configs', () => {
  it.each(broken)('$what', ({ edits, path, message }) => {
    const issues = issuesOf(edits);
    const at = issues.filter((i) => i.path === path);
    expect(at, JSON.stringify(issues, null, 2)).toHaveLength(1);
    expect(at[0]?.message).toContain(message);
  });

  // The loader checks the fixture as it reads it: a malformed case fails loudly, by name.
  it.each([
    [
      'a case without a message',
      '{ what: bad, edits: [{ path: node, set: 1 }] }',
      '"message" must be a non-empty string',
    ],
    [
      'an edit that both sets and deletes',
      '{ what: bad, message: m, edits: [{ path: node, set: 1, delete: true }] }',
      'edit 1: needs exactly one of "set" and "delete: true"',
    ],
    [
      'a path naming an unknown place',
      '{ what: bad, message: m, edits: [{ path: "{{NOPE}}.x", set: 1 }] }',
      'edit 1: no place named {{NOPE}} in {{NOPE}}.x',
    ],
  ])('refuses a fixture with %s, naming the case', (_, entry, problem) => {
    expect(() => parseBrokenConfigCases(`cases:\n  - ${entry}\n`, 'cases.yaml', {})).toThrow(
      `cases.yaml: case 1 ("bad"): ${problem}`,
    );
  });

  it('reports every issue, not just the first', () => {
    const issues = issuesOf([
      [`${HCM}.codec_type`, 'AUTOX'],
      [LISTENER_PORT, 70000],
      [`${VHOST}.domains`, []],
      [`${DFP_CLUSTER}.connect_timeout`, '5'],
    ]);
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        `${HCM}.codec_type`,
        LISTENER_PORT,
        `${VHOST}.domains`,
        `${DFP_CLUSTER}.connect_timeout`,
      ].sort(),
    );
  });

  it.each<[string, string, unknown, string, string]>([
    [
      'string pattern (RE2, compiled as JS)',
      'envoy.extensions.geoip_providers.maxmind.v3.MaxMindConfig',
      {
        city_db_path: 'GeoLite2-City.db',
        common_provider_config: { geo_headers_to_add: { country: 'x-geo-country' } },
      },
      'city_db_path',
      'value must match the pattern ^$|^.*\\.mmdb$, got "GeoLite2-City.db"',
    ],
    [
      'string in',
      'envoy.config.core.v3.SchemeHeaderTransformation',
      { scheme_to_overwrite: 'ftp' },
      'scheme_to_overwrite',
      'value must be one of "http", "https", got "ftp"',
    ],
    [
      'a type whose proto imports one grpc-js-xds does not ship (OpenTelemetry)',
      'envoy.config.accesslog.v3.AccessLog',
      {
        name: 'envoy.access_loggers.open_telemetry',
        typed_config: {
          '@type':
            'type.googleapis.com/envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig',
          common_config: {
            log_name: 'agent',
            transport_api_version: 'V3',
            grpc_service: { envoy_grpc: { cluster_name: 'otel_collector' } },
          },
          resource_attributes: { values: [{ key: 'k', value: { string_value: 'v' } }] },
          bogus: 1,
        },
      },
      'typed_config.bogus',
      'unknown field "bogus" in envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig',
    ],
  ])('checks %s', (_, type, config, path, message) => {
    expect(validateEnvoyConfig(config, type)).toEqual([{ path, message }]);
  });

  // Lengths are counted as PGV counts them: string rules in code points (`len`, `min_len`,
  // `max_len`) or in UTF-8 bytes (`*_bytes`), bytes rules in bytes.
  const URI_TEMPLATE = 'envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig';
  const UPSTREAM_TLS = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
  const HEADER_VALUE = 'envoy.config.core.v3.HeaderValue';
  const BODY_TEXT = 'envoy.config.common.matcher.v3.HttpGenericBodyMatch.GenericTextMatch';
  const bytes = (n: number) => Buffer.alloc(n).toString('base64');

  it.each<[string, string, Record<string, unknown>]>([
    [
      '256 two-byte characters under max_len 256',
      URI_TEMPLATE,
      { path_template: `/${'é'.repeat(255)}` },
    ],
    [
      '256 characters of two UTF-16 units each under max_len 256',
      URI_TEMPLATE,
      { path_template: `/${'😀'.repeat(255)}` },
    ],
    ['255 bytes under max_bytes 255', UPSTREAM_TLS, { sni: 'é'.repeat(127) }],
    [
      '16384 bytes under a bytes max_len 16384',
      HEADER_VALUE,
      { key: 'x', raw_value: bytes(16384) },
    ],
  ])('accepts %s', (_, type, config) => {
    expect(validateEnvoyConfig(config, type)).toEqual([]);
  });

  it.each<[string, string, Record<string, unknown>, string, string]>([
    [
      '257 characters over max_len 256',
      URI_TEMPLATE,
      { path_template: `/${'é'.repeat(256)}` },
      'path_template',
      'value must be at most 256 characters long, got "/é',
    ],
    [
      '256 bytes over max_bytes 255',
      UPSTREAM_TLS,
      { sni: 'é'.repeat(128) },
      'sni',
      'value must be at most 255 bytes long, got "é',
    ],
    [
      '16385 bytes over a bytes max_len 16384',
      HEADER_VALUE,
      { key: 'x', raw_value: bytes(16385) },
      'raw_value',
      'value must be at most 16384 bytes long, got "AAAA',
    ],
    [
      'no bytes under a bytes min_len 1',
      BODY_TEXT,
      { binary_match: '' },
      'binary_match',
      'value must be at least 1 byte long, got ""',
    ],
  ])('counts the length of %s', (_, type, config, path, message) => {
    const issues = validateEnvoyConfig(config, type);
    expect(issues.map((i) => i.path)).toEqual([path]);
    expect(issues[0]?.message.startsWith(message), issues[0]?.message).toBe(true);
  });

  it('reports an unknown @type without suggestions when nothing is close', () => {
    const issues = issuesOf([[`${ROUTER}["@type"]`, 'type.googleapis.com/acme.Filter']]);
    expect(issues).toEqual([
      {
        path: `${ROUTER}["@type"]`,
        message:
          'unknown type "type.googleapis.com/acme.Filter": Envoy\'s v3 API protos have no message acme.Filter',
      },
    ]);
  });
});

// ---- CLI -------------------------------------------------------------------------------------

describe('agent-perimeter validate-envoy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'validate-envoy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function capture(): Io & { lines: string[] } {
    const lines: string[] = [];
    return { lines, out: (t) => lines.push(t), err: (t) => lines.push(`stderr: ${t}`) };
  }

  function write(name: string, text: string): string {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  it('exits 0 for a valid YAML bootstrap', async () => {
    const file = write('ok.yaml', FIXTURE_TEXT);
    const io = capture();
    expect(await validateEnvoyCommand.run([file], io)).toBe(0);
    expect(io.lines).toEqual([`${file}: valid Envoy v3 envoy.config.bootstrap.v3.Bootstrap`]);
  });

  it('exits 0 for valid JSON of another --type', async () => {
    const file = write('cluster.json', JSON.stringify({ name: 'c', connect_timeout: '1s' }));
    const io = capture();
    expect(
      await validateEnvoyCommand.run([file, '--type', 'envoy.config.cluster.v3.Cluster'], io),
    ).toBe(0);
    expect(io.lines).toEqual([`${file}: valid Envoy v3 envoy.config.cluster.v3.Cluster`]);
  });

  it('exits 1 and prints one issue per line when invalid', async () => {
    const file = write(
      'bad.yaml',
      'static_resources:\n  clusters:\n    - name: c\n      connect_timeout: 5\n      lb_polcy: RANDOM\n',
    );
    const io = capture();
    expect(await validateEnvoyCommand.run([file], io)).toBe(1);
    expect(io.lines.join('\n').split('\n')).toEqual([
      `${file}: static_resources.clusters[0].connect_timeout: expected a Duration string like "5s" or "0.25s" (seconds with an "s" suffix), got 5`,
      `${file}: static_resources.clusters[0].lb_polcy: unknown field "lb_polcy" in envoy.config.cluster.v3.Cluster (did you mean "lb_policy"?)`,
    ]);
  });

  it('throws a UserError (exit 2) for a missing file', async () => {
    const missing = join(dir, 'missing.yaml');
    const run = validateEnvoyCommand.run([missing], capture());
    await expect(run).rejects.toThrow(UserError);
    await expect(validateEnvoyCommand.run([missing], capture())).rejects.toMatchObject({
      exitCode: 2,
      message: `${missing}: cannot read: no such file.`,
    });
  });

  it('throws a UserError (exit 2) naming the line of a YAML syntax error', async () => {
    const file = write('syntax.yaml', 'admin:\n  address: [unclosed\nnode: {}\n');
    const error = await validateEnvoyCommand.run([file], capture()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: YAML syntax error: `),
    );
  });

  it('throws a UserError (exit 2) for an unknown --type or a missing FILE', async () => {
    const file = write('empty-object.yaml', '{}\n');
    await expect(
      validateEnvoyCommand.run([file, '--type', 'envoy.Nope'], capture()),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--type envoy.Nope') });
    await expect(validateEnvoyCommand.run([], capture())).rejects.toBeInstanceOf(UserError);
  });
});

describe('API additions newer than the proto snapshot', () => {
  const rateLimit = (extra: Record<string, unknown>, entry: Record<string, unknown>) => ({
    static_resources: {
      listeners: [
        {
          name: 'l',
          address: { socket_address: { address: '0.0.0.0', port_value: 3128 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'l',
                    route_config: { name: 'r', virtual_hosts: [] },
                    http_filters: [
                      {
                        name: 'envoy.filters.http.local_ratelimit',
                        typed_config: {
                          '@type':
                            'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
                          stat_prefix: 'rl',
                          descriptors: [
                            {
                              entries: [entry],
                              token_bucket: { max_tokens: 1, fill_interval: '1s' },
                            },
                          ],
                          ...extra,
                        },
                      },
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: {
                          '@type':
                            'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                        },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  });

  it('accepts per-address buckets: a valueless descriptor entry, rate_limits, max_dynamic_descriptors', () => {
    expect(
      validateEnvoyConfig(
        rateLimit(
          { rate_limits: [{ actions: [{ remote_address: {} }] }], max_dynamic_descriptors: 10 },
          { key: 'remote_address' },
        ),
      ),
    ).toEqual([]);
  });

  it('still checks the added fields: their types and rules', () => {
    const issues = validateEnvoyConfig(
      rateLimit(
        { rate_limits: [{ actions: [{ no_such_action: {} }] }], max_dynamic_descriptors: 0 },
        { key: 'remote_address' },
      ),
    ).map((i) => `${i.path} ${i.message}`);
    expect(issues.join('\n')).toMatch(/unknown field "no_such_action"/);
    expect(issues.join('\n')).toMatch(/max_dynamic_descriptors value must be >= 1, got 0/);
  });

  it('lists only what the snapshot lacks (delete an entry once the snapshot has it)', () => {
    expect(protoRegistry().redundantAdditions()).toEqual([]);
  });
});
