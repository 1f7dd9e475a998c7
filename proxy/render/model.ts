import {
  type BedrockAccess,
  DEFAULT_INTERNAL_RANGES,
  MODEL_LISTENER_NAME,
  type ModelListener,
  type Policy,
  policyModelListeners,
  type VertexAccess,
} from '../../lib/policy/index.js';
import {
  DENY_PREFIX,
  MODEL_CREDENTIAL_VARIABLE,
  VERTEX_TOKEN_CONTAINER_DIR,
  VERTEX_TOKEN_FILE,
  VERTEX_TOKEN_SECRET,
} from '../../lib/proxy-contract.js';
import { addressGuardFilter } from './address-guard.js';
import { DFP_TLS_CLUSTER, dfpFilter, dfpTlsRoute, hostRewrite } from './dns.js';
import { agentFacingHcm, denyPlain, httpListener, oneUpstreamRoutes } from './http.js';
import { headerInjector, STRIPPED_HEADERS } from './inject.js';
import { type Json, type JsonObject, TYPE } from './types.js';

/*
 * The model listener: a plain-HTTP base URL for Claude Code's Bedrock or Vertex AI client. It
 * forwards only the invoke paths of the listed models (POST), adds the proxy's own credential
 * (a SigV4 signature with its task role, a Bedrock API key, or a Vertex AI access token the
 * refresher beside Envoy keeps fresh) and sends the request over verified TLS to the one
 * upstream host. Responses, streamed ones included, pass through untouched.
 */

/** The shared model listener's name; a profile's own is `model_<profile>`. */
export const MODEL_LISTENER = MODEL_LISTENER_NAME;

/** Headers an agent could use to pick another account or project, removed on the way up. */
export const MODEL_STRIPPED_HEADERS: readonly string[] = [
  'x-goog-api-key',
  'x-goog-user-project',
  'x-amz-security-token',
];

/**
 * Headers removed by the router after the HTTP filters ran. The signer must not sign them
 * (Envoy signs every header but x-forwarded-for, x-forwarded-proto and x-amzn-trace-id), or the
 * request would reach Bedrock with a signature over headers it no longer has. `authorization`
 * and the x-amz-* headers are written by the signer itself, so they are never removed there.
 */
function removedHeaders(access: BedrockAccess | VertexAccess): string[] {
  const signedByProxy = access.provider === 'bedrock' && access.api_key_secret === undefined;
  return [...STRIPPED_HEADERS, ...MODEL_STRIPPED_HEADERS].filter(
    (h) => h !== 'authorization' && !(signedByProxy && h === 'x-amz-security-token'),
  );
}

function forward(policy: Policy, listener: ModelListener, path: string, i: number): Json {
  return {
    name: `allow_model_${i}`,
    match: { path, headers: [{ name: ':method', string_match: { exact: 'POST' } }] },
    route: dfpTlsRoute(policy, DFP_TLS_CLUSTER),
    typed_per_filter_config: hostRewrite(listener.host),
  };
}

/** SigV4 with the task role's credentials (Envoy's default chain finds the ECS endpoint). */
function signer(access: BedrockAccess, listener: ModelListener, removed: readonly string[]): Json {
  return {
    name: 'envoy.filters.http.aws_request_signing',
    typed_config: {
      '@type': TYPE.awsRequestSigning,
      // IAM's service name for Bedrock is "bedrock", whatever the endpoint's host says.
      service_name: 'bedrock',
      region: access.region,
      host_rewrite: listener.host,
      // Sign the body too; the listener's buffer limit bounds what is held to hash it.
      use_unsigned_payload: false,
      match_excluded_headers: removed.map((h) => ({ exact: h })),
    },
  };
}

/** The Bedrock API key's secret name in Envoy (its value is "Bearer <key>", see the launcher). */
export const BEDROCK_API_KEY_SECRET = 'bedrock_api_key';

/** Every model listener of the policy (none for the Anthropic API, an `egress` entry). */
export function modelListeners(policy: Policy): JsonObject[] {
  return policyModelListeners(policy).map((listener) => modelListener(policy, listener));
}

/** One model listener: only its own models' invoke paths pass. */
export function modelListener(policy: Policy, listener: ModelListener): JsonObject {
  const { access, name } = listener;
  const removed = removedHeaders(access);
  const allowed = listener.paths.length;
  const route = oneUpstreamRoutes(
    name,
    [
      ...listener.paths.map((p, i) => forward(policy, listener, p, i)),
      denyPlain(
        `${DENY_PREFIX}request_not_allowed`,
        policy,
        `only POSTs that invoke the ${access.provider === 'bedrock' ? 'Bedrock' : 'Vertex AI'} models of ${listener.path} (${allowed} paths) pass this base URL`,
      ),
    ],
    removed,
  );
  // Bedrock runtime answers on the interface endpoint's private addresses in the VPC; Vertex AI
  // on restricted.googleapis.com, which is public address space.
  const guard =
    access.provider === 'bedrock'
      ? addressGuardFilter(DEFAULT_INTERNAL_RANGES)
      : addressGuardFilter();
  const credential: Json =
    access.provider === 'vertex'
      ? headerInjector('authorization', {
          name: VERTEX_TOKEN_SECRET,
          sds_config: {
            path_config_source: {
              path: `${VERTEX_TOKEN_CONTAINER_DIR}/${VERTEX_TOKEN_FILE}`,
              watched_directory: { path: VERTEX_TOKEN_CONTAINER_DIR },
            },
            resource_api_version: 'V3',
          },
        })
      : access.api_key_secret !== undefined
        ? headerInjector('authorization', { name: BEDROCK_API_KEY_SECRET })
        : signer(access, listener, removed);
  // The signer hashes the body, so it runs last, after the Host rewrite and the guard.
  const filters = [dfpFilter(policy, 'exact'), guard, credential];
  const hcm = agentFacingHcm(policy, listenerProfile(listener), name, 'base_url', route, filters);
  // Request bodies are buffered up to this size (SigV4 signs the body; Envoy's default of
  // 1 MiB is too small for long contexts and images). Responses are streamed.
  return httpListener(name, listener.port, hcm, listener.maxRequestBytes);
}

/**
 * The `profile` a model listener's log lines carry: its profile's name when one profile uses
 * it, else "*" (profiles sharing the top-level access share it; the agent address tells them
 * apart).
 */
export function listenerProfile(listener: Pick<ModelListener, 'profiles'>): string {
  return listener.profiles.length === 1 ? (listener.profiles[0] ?? '*') : '*';
}

/** Static secrets the model listener needs: the Bedrock API key, read like inject secrets. */
export function modelSecrets(policy: Policy): JsonObject[] {
  // The policy makes every Bedrock access agree on the key, so one secret serves them all.
  const access = policyModelListeners(policy)[0]?.access;
  if (access?.provider !== 'bedrock' || access.api_key_secret === undefined) return [];
  return [
    {
      name: BEDROCK_API_KEY_SECRET,
      generic_secret: { secret: { environment_variable: MODEL_CREDENTIAL_VARIABLE } },
    },
  ];
}
