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

const DELETE = Symbol('delete');
type Edit = readonly [path: string, value: unknown];

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

interface Broken {
  readonly what: string;
  readonly edits: readonly Edit[];
  /** Where the one issue is reported, when it is not the field the last edit set. */
  readonly path?: string;
  readonly message: string;
}

const broken: Broken[] = [
  {
    what: 'unknown field, with a suggestion',
    edits: [
      [`${HCM}.stat_prefix`, DELETE],
      [`${HCM}.stat_prefx`, 'forward_proxy'],
    ],
    message:
      'unknown field "stat_prefx" in envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager (did you mean "stat_prefix"?)',
  },
  {
    what: 'unknown field inside an Any',
    edits: [[`${DFP_FILTER}.dns_cache_confg`, {}]],
    message:
      'unknown field "dns_cache_confg" in envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig (did you mean "dns_cache_config"?)',
  },
  {
    what: 'unknown field with no close match',
    edits: [[`${VHOST}.allowed_hosts`, []]],
    message: 'unknown field "allowed_hosts" in envoy.config.route.v3.VirtualHost',
  },
  {
    what: 'unknown @type',
    edits: [
      [`${ROUTER}["@type"]`, 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr'],
    ],
    message: 'did you mean "envoy.extensions.filters.http.router.v3.Router"?',
  },
  {
    what: 'missing @type',
    edits: [[`${ROUTER}["@type"]`, DELETE]],
    path: ROUTER,
    message: 'missing "@type"',
  },
  {
    what: '@type of a frozen v2 package',
    edits: [
      [`${ROUTER}["@type"]`, 'type.googleapis.com/envoy.config.filter.http.router.v2.Router'],
    ],
    message: 'frozen (v2-era) API package',
  },
  {
    what: 'string for a number',
    edits: [[LISTENER_PORT, 'abc']],
    message: 'expected an unsigned 32-bit integer, got "abc"',
  },
  {
    what: 'number for a string',
    edits: [[`${HCM}.stat_prefix`, 42]],
    message: 'expected a string, got 42',
  },
  {
    what: 'string for a bool',
    edits: [[`${INJECTOR}.overwrite`, 'yes']],
    message: 'expected a boolean (true or false), got "yes"',
  },
  {
    what: 'string for a message',
    edits: [[`${HCM}.route_config`, 'allowlist']],
    message: 'expected an object (envoy.config.route.v3.RouteConfiguration), got "allowlist"',
  },
  {
    what: 'negative uint32',
    edits: [[LISTENER_PORT, -1]],
    message: 'expected an unsigned 32-bit integer (0 to 4294967295), got -1',
  },
  {
    what: 'fractional uint32',
    edits: [[LISTENER_PORT, 3128.5]],
    message: 'expected an unsigned 32-bit integer, got 3128.5',
  },
  {
    what: 'bad enum name, with suggestion and allowed values',
    edits: [[`${HCM}.codec_type`, 'AUTOX']],
    message: '(did you mean "AUTO"?); expected one of AUTO, HTTP1, HTTP2, HTTP3',
  },
  {
    what: 'undefined enum number',
    edits: [[`${API_CLUSTER}.type`, 99]],
    message: '99 is not a defined value of enum envoy.config.cluster.v3.Cluster.DiscoveryType',
  },
  {
    what: 'Duration without unit',
    edits: [[`${DFP_CLUSTER}.connect_timeout`, '5']],
    message: 'expected a Duration string like "5s"',
  },
  {
    what: 'Duration as a number',
    edits: [[`${DFP_CLUSTER}.connect_timeout`, 5]],
    message: 'got 5',
  },
  {
    what: 'Duration in minutes',
    edits: [[`${DFP_CLUSTER}.connect_timeout`, '1m']],
    message:
      'expected a Duration string like "5s" or "0.25s" (seconds with an "s" suffix), got "1m"',
  },
  {
    what: 'Duration breaking duration.gt',
    edits: [[`${DNS_CACHE}.host_ttl`, '0s']],
    message: 'value must be > 0s, got "0s"',
  },
  {
    what: 'oneof conflict: cluster and cluster_header',
    edits: [[`${ROUTE}.route.cluster_header`, 'x-cluster']],
    path: `${ROUTE}.route`,
    message:
      '"cluster" and "cluster_header" are both set, but only one field of oneof "cluster_specifier"',
  },
  {
    what: 'oneof conflict: route and direct_response',
    edits: [[`${ROUTE}.direct_response`, { status: 403 }]],
    path: ROUTE,
    message: '"route" and "direct_response" are both set, but only one field of oneof "action"',
  },
  {
    what: 'required oneof unset: route match without path specifier',
    edits: [[`${ROUTE}.match`, {}]],
    message: 'oneof "path_specifier" in envoy.config.route.v3.RouteMatch is required',
  },
  {
    what: 'required oneof unset: empty DataSource',
    edits: [['static_resources.secrets[0].generic_secret.secret', {}]],
    message:
      'one of "filename", "inline_bytes", "inline_string", "environment_variable" must be set',
  },
  {
    what: 'message.required: Generic without credential',
    edits: [[`${GENERIC}.credential`, DELETE]],
    message: 'missing required field "credential"',
  },
  {
    what: 'string min_len: empty stat_prefix',
    edits: [[`${HCM}.stat_prefix`, '']],
    message: 'value must be at least 1 character long, got ""',
  },
  {
    what: 'string min_len: unset stat_prefix (proto3 default)',
    edits: [[`${HCM}.stat_prefix`, DELETE]],
    message: 'missing required field "stat_prefix" (value must be at least 1 character long)',
  },
  {
    what: 'HTTP header name rule',
    edits: [[`${GENERIC}.header`, 'bad header']],
    message: 'value must be a valid HTTP header name',
  },
  {
    what: 'numeric range: port above 65535',
    edits: [[LISTENER_PORT, 70000]],
    message: 'value must be <= 65535, got 70000',
  },
  {
    what: 'numeric range: HTTP status below 200',
    edits: [[`${DENY}.routes[0].direct_response.status`, 99]],
    message: 'value must be in range [200, 600), got 99',
  },
  {
    what: 'wrapper value rule: max_hosts must be > 0',
    edits: [[`${DNS_CACHE}.max_hosts`, 0]],
    message: 'value must be > 0, got 0',
  },
  {
    what: 'repeated min_items: empty domains',
    edits: [[`${VHOST}.domains`, []]],
    message: 'must have at least 1 item, got 0',
  },
  {
    what: 'repeated items rule: a domain with a newline',
    edits: [[`${VHOST}.domains`, ['ok.example.com', 'bad\nexample.com']]],
    path: `${VHOST}.domains[1]`,
    message: 'value must not contain NUL, CR or LF characters',
  },
  {
    what: 'wrapper type: string for UInt32Value',
    edits: [[`${API_CLUSTER}.per_connection_buffer_limit_bytes`, 'abc']],
    message: 'expected an unsigned 32-bit integer (google.protobuf.UInt32Value), got "abc"',
  },
  {
    what: 'non-array for a repeated field',
    edits: [[`${VHOST}.domains`, 'api.example.com:443']],
    message: 'expected an array for repeated field "domains", got "api.example.com:443"',
  },
  {
    what: 'array for a singular field',
    edits: [[`${HCM}.route_config`, []]],
    message: 'expected an object (envoy.config.route.v3.RouteConfiguration), got an empty array',
  },
  {
    what: 'null item in a repeated field',
    edits: [['static_resources.clusters[2]', null]],
    message: 'null is not allowed in repeated field "clusters"',
  },
  {
    what: 'array for a map',
    edits: [[`${VHOST}.typed_per_filter_config`, []]],
    message: 'expected an object for map field "typed_per_filter_config", got an empty array',
  },
  {
    what: 'deprecated message field',
    edits: [[`${VHOST}.cors`, { allow_credentials: false }]],
    message: 'field "cors" of envoy.config.route.v3.VirtualHost is deprecated since v3.0',
  },
  {
    what: 'deprecated scalar field',
    edits: [[`${DNS_CACHE}.use_tcp_for_dns_lookups`, true]],
    message: 'is deprecated',
  },
  {
    what: 'int64 garbage string',
    edits: [[`${ROUTE}.match.headers`, [{ name: 'x-n', range_match: { start: '1x', end: 10 } }]]],
    path: `${ROUTE}.match.headers[0].range_match.start`,
    message: 'expected a 64-bit integer (a number or a decimal string), got "1x"',
  },
  {
    what: 'UInt64Value out of range',
    edits: [['stats_server_version_override', '18446744073709551616']],
    message: '0 to 18446744073709551615',
  },
  {
    what: 'bytes that are not base64',
    edits: [[`${DENY}.routes[0].direct_response.body`, { inline_bytes: 'not base64!' }]],
    path: `${DENY}.routes[0].direct_response.body.inline_bytes`,
    message: 'expected base64-encoded bytes',
  },
  {
    what: 'Struct that is not an object',
    edits: [['node.metadata', 'team=a']],
    message: 'expected an object (google.protobuf.Struct), got "team=a"',
  },
  {
    what: 'same field written in snake_case and lowerCamelCase',
    edits: [[`${HCM}.statPrefix`, 'again']],
    message: 'field "stat_prefix" is set twice, as "stat_prefix" and "statPrefix"',
  },
  {
    what: 'enum not_in rule: unspecified SAN type',
    edits: [
      [
        `${API_CLUSTER}.transport_socket.typed_config.common_tls_context.validation_context.match_typed_subject_alt_names[0].san_type`,
        'SAN_TYPE_UNSPECIFIED',
      ],
    ],
    message: 'value must not be SAN_TYPE_UNSPECIFIED (0)',
  },
  {
    what: 'TypedStruct value checked as its type_url',
    edits: [
      [
        ROUTER,
        {
          '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
          type_url: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
          value: { suppress_envoy_headers: 'yes' },
        },
      ],
    ],
    path: `${ROUTER}.value.suppress_envoy_headers`,
    message: 'expected a boolean',
  },
  {
    what: 'Timestamp that is not RFC 3339',
    edits: [
      [
        `${VHOST}.typed_per_filter_config`,
        { f: { '@type': 'type.googleapis.com/google.protobuf.Timestamp', value: '2024-02-30' } },
      ],
    ],
    path: `${VHOST}.typed_per_filter_config["f"].value`,
    message: 'expected an RFC 3339 Timestamp string',
  },
  {
    what: 'a field in google.protobuf.Empty',
    edits: [
      [
        `${API_CLUSTER}.typed_extension_protocol_options`,
        { a: { '@type': 'type.googleapis.com/google.protobuf.Empty', x: 1 } },
      ],
    ],
    path: `${API_CLUSTER}.typed_extension_protocol_options["a"].x`,
    message: 'unknown field "x" in google.protobuf.Empty',
  },
  {
    what: 'not an object at the root',
    edits: [['node', 'proxy-1']],
    message: 'expected an object (envoy.config.core.v3.Node), got "proxy-1"',
  },
];

describe('validateEnvoyConfig: broken configs', () => {
  it.each(broken)('$what', ({ edits, path = edits[edits.length - 1]?.[0], message }) => {
    const issues = issuesOf(edits);
    const at = issues.filter((i) => i.path === path);
    expect(at, JSON.stringify(issues, null, 2)).toHaveLength(1);
    expect(at[0]?.message).toContain(message);
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
