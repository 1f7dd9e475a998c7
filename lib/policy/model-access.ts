import { BEDROCK_GEO_PREFIXES } from './bedrock-geo.js';
import type { BedrockAccess, ModelAccess, VertexAccess } from './model-access-schema.js';
import {
  allocateProfiles,
  type ProfileInputs,
  type ProfileModelPort,
  policyModelPorts,
} from './profiles.js';
import type { AgentProfile, Policy } from './schema.js';

/*
 * What the policy's `model_access` means for the proxy, the stacks and the agents. Every
 * platform derives the listener, the upstream, the allowed paths and the cloud permissions from
 * these functions, so the Envoy routes, the IAM grant and the agent's model pins always name the
 * same models.
 */

export { BEDROCK_GEO_PREFIXES } from './bedrock-geo.js';
export type { BedrockAccess, ModelAccess, VertexAccess } from './model-access-schema.js';

/** The model access of one agent profile: its own `model_access`, else the policy's. */
export function modelAccessOf(
  policy: Pick<Policy, 'model_access'>,
  agent?: Pick<AgentProfile, 'model_access'>,
): ModelAccess {
  return agent?.model_access ?? policy.model_access;
}

/** Model access served by a proxy listener of its own (Bedrock or Vertex AI). */
export type ListenedModelAccess = BedrockAccess | VertexAccess;

export function listenedModelAccess(access: ModelAccess): ListenedModelAccess | undefined {
  return access.provider === 'anthropic' ? undefined : access;
}

/** The cloud whose identity the proxy uses to reach the model service. */
export function modelAccessCloud(access: ModelAccess): 'aws' | 'gcp' | undefined {
  if (access.provider === 'bedrock') return 'aws';
  if (access.provider === 'vertex') return 'gcp';
  return undefined;
}

/** The plain-HTTP listener agents use as their Bedrock or Vertex AI base URL. */
export interface ModelListener {
  readonly provider: 'bedrock' | 'vertex';
  readonly port: number;
  /** Its Envoy listener name: `model` for the shared one, `model_<profile>` for a profile's own. */
  readonly name: string;
  /** The profiles whose agents use it. */
  readonly profiles: readonly string[];
  /** Where its access is written: `model_access` or `agents[i].model_access`. */
  readonly path: string;
  readonly access: ListenedModelAccess;
  /** The upstream TLS host. */
  readonly host: string;
  /** Every exact path the listener forwards (POST only); anything else gets a 403. */
  readonly paths: readonly string[];
  /** Agent variable that receives the base URL. */
  readonly env: 'ANTHROPIC_BEDROCK_BASE_URL' | 'ANTHROPIC_VERTEX_BASE_URL';
  /** Appended to http://<proxy>:<port> in the agent's base URL. */
  readonly basePath: string;
  /** Body limit, bytes. */
  readonly maxRequestBytes: number;
}

/** Every model ID agents may name: foundation models, then inference profiles. */
export function bedrockModelIds(access: BedrockAccess): string[] {
  return [...access.models, ...access.inference_profiles.map((p) => p.id)];
}

/** Model IDs an access entry lists, in order. */
export function listedModels(access: ListenedModelAccess): string[] {
  return access.provider === 'bedrock' ? bedrockModelIds(access) : [...access.models];
}

/** ANTHROPIC_MODEL: the configured default, else the first profile, else the first model. */
export function defaultModel(access: ListenedModelAccess): string | undefined {
  if (access.default_model !== undefined) return access.default_model;
  if (access.provider === 'bedrock') return access.inference_profiles[0]?.id ?? access.models[0];
  return access.models[0];
}

/** The bedrock-runtime host of `region` (China regions use the amazonaws.com.cn suffix). */
export function bedrockRuntimeHost(region: string): string {
  return `bedrock-runtime.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export function vertexHost(region: string): string {
  return region === 'global' ? 'aiplatform.googleapis.com' : `${region}-aiplatform.googleapis.com`;
}

/** Spellings of one path segment an SDK may send: as is, and with reserved characters escaped. */
function segmentForms(segment: string): string[] {
  const upper = segment.replace(/[:@]/g, (c) => (c === ':' ? '%3A' : '%40'));
  const lower = upper.replace(/%3A/g, '%3a');
  return [...new Set([segment, upper, lower])];
}

/**
 * Bedrock's invoke paths for each listed model (what Claude Code calls): InvokeModel and
 * InvokeModelWithResponseStream. SDKs escape ":" in the model ID ("%3A"); Envoy's path
 * normalization keeps escapes of reserved characters, so both spellings are listed.
 */
export function bedrockPaths(access: BedrockAccess): string[] {
  return bedrockModelIds(access).flatMap((id) =>
    segmentForms(id).flatMap((m) => [
      `/model/${m}/invoke`,
      `/model/${m}/invoke-with-response-stream`,
    ]),
  );
}

/** The resource name under which Vertex AI serves the project's Anthropic models in its region. */
function vertexAnthropicModels(access: VertexAccess): string {
  return `projects/${access.project}/locations/${access.region}/publishers/anthropic/models`;
}

/** Vertex AI's rawPredict and streamRawPredict paths for each model, plus token counting. */
export function vertexPaths(access: VertexAccess): string[] {
  const base = `/v1/${vertexAnthropicModels(access)}`;
  const models = [...access.models, 'count-tokens'];
  return models.flatMap((model) =>
    segmentForms(model).flatMap((m) =>
      model === 'count-tokens'
        ? [`${base}/${m}:rawPredict`]
        : [`${base}/${m}:rawPredict`, `${base}/${m}:streamRawPredict`],
    ),
  );
}

/** What the model listeners' ports depend on: every profile's listeners and model access. */
export type ModelPortInputs = ProfileInputs;

/** The Envoy name of the shared model listener (profiles keeping the top-level access). */
export const MODEL_LISTENER_NAME = 'model';

/** The full listener of an allocated model port. */
export function modelListenerFrom(model: ProfileModelPort): ModelListener | undefined {
  const listened = listenedModelAccess(model.access);
  if (listened === undefined) return undefined;
  const common = {
    port: model.port,
    name: model.shared ? MODEL_LISTENER_NAME : `${MODEL_LISTENER_NAME}_${model.profiles[0] ?? ''}`,
    profiles: model.profiles,
    path: model.path,
    access: listened,
    maxRequestBytes: listened.max_request_mib * 1024 * 1024,
  };
  return listened.provider === 'bedrock'
    ? {
        ...common,
        provider: 'bedrock',
        host: bedrockRuntimeHost(listened.region),
        paths: bedrockPaths(listened),
        env: 'ANTHROPIC_BEDROCK_BASE_URL',
        basePath: '',
      }
    : {
        ...common,
        provider: 'vertex',
        host: vertexHost(listened.region),
        paths: vertexPaths(listened),
        env: 'ANTHROPIC_VERTEX_BASE_URL',
        basePath: '/v1',
      };
}

/** The model listener the profile called `name` uses, if any (inputs may be partial). */
export function profileModelListener(
  inputs: ModelPortInputs,
  name: string,
): ModelListener | undefined {
  const model = allocateProfiles(inputs).find((p) => p.name === name)?.model;
  return model === undefined ? undefined : modelListenerFrom(model);
}

/** Every model listener of the policy: the shared one first, then profiles' own. */
export function policyModelListeners(policy: Policy): ModelListener[] {
  return policyModelPorts(policy).flatMap((m) => modelListenerFrom(m) ?? []);
}

/** The distinct Bedrock / Vertex AI accesses the proxy serves, in listener order. */
export function listenedAccesses(policy: Policy): ListenedModelAccess[] {
  return policyModelListeners(policy).map((l) => l.access);
}

/**
 * What the proxy's cloud identity and the model endpoint must allow: the union of every
 * listened access (the policy makes them agree on provider, region, project and key), or the
 * Anthropic API when no profile uses Bedrock or Vertex AI. Stacks grant and scope from this.
 */
export function proxyModelAccess(policy: Policy): ModelAccess {
  const all = listenedAccesses(policy);
  const [first, ...rest] = all;
  if (first === undefined) return { provider: 'anthropic' };
  if (first.provider === 'bedrock') {
    const bedrock = [first, ...rest].filter((a): a is BedrockAccess => a.provider === 'bedrock');
    const profiles = new Map<string, Set<string> | undefined>();
    for (const a of bedrock) {
      for (const p of a.inference_profiles) {
        const seen = profiles.get(p.id);
        if (p.regions === undefined) profiles.set(p.id, seen);
        else profiles.set(p.id, new Set([...(seen ?? []), ...p.regions]));
      }
    }
    return {
      ...first,
      models: [...new Set(bedrock.flatMap((a) => a.models))],
      inference_profiles: [...profiles].map(([id, regions]) =>
        regions === undefined ? { id } : { id, regions: [...regions] },
      ),
    };
  }
  const vertex = [first, ...rest].filter((a): a is VertexAccess => a.provider === 'vertex');
  return { ...first, models: [...new Set(vertex.flatMap((a) => a.models))] };
}

/** The geography prefix of an inference profile ID ("us", "global"), if it has one. */
export function profileGeography(id: string): string | undefined {
  const prefix = id.split('.')[0] ?? '';
  return BEDROCK_GEO_PREFIXES.includes(prefix) ? prefix : undefined;
}

/** The foundation model behind a profile ID: the ID without its geography prefix. */
export function profileModel(id: string): string {
  return profileGeography(id) === undefined ? id : id.slice(id.indexOf('.') + 1);
}

/** Where the ARNs live; CDK passes tokens (`Stack.of(x).partition`), tests literals. */
export interface ArnEnv {
  readonly partition: string;
  readonly account: string;
}

/**
 * The exact resources the proxy's role may invoke: each foundation model in `region`; each
 * inference profile in `region` plus its foundation model in every region it routes to (a
 * "global." profile: the region-less foundation-model ARN AWS documents for it). No wildcard.
 */
export function bedrockResourceArns(access: BedrockAccess, env: ArnEnv): string[] {
  const model = (region: string, id: string) =>
    `arn:${env.partition}:bedrock:${region}::foundation-model/${id}`;
  const out: string[] = access.models.map((id) => model(access.region, id));
  for (const profile of access.inference_profiles) {
    out.push(
      `arn:${env.partition}:bedrock:${access.region}:${env.account}:inference-profile/${profile.id}`,
    );
    const base = profileModel(profile.id);
    if (profileGeography(profile.id) === 'global') {
      out.push(model(access.region, base), model('', base));
    } else {
      for (const region of profile.regions ?? []) out.push(model(region, base));
    }
  }
  return [...new Set(out)];
}

/** The only Bedrock actions the proxy's role gets: the two Claude Code calls. */
export const BEDROCK_INVOKE_ACTIONS = [
  'bedrock:InvokeModel',
  'bedrock:InvokeModelWithResponseStream',
] as const;

/** Vertex AI publisher-model resource names of the listed models. */
export function vertexModelResources(access: VertexAccess): string[] {
  return access.models.map((m) => `${vertexAnthropicModels(access)}/${m}`);
}

/** The one permission the proxy's service account gets on Vertex AI. */
export const VERTEX_PREDICT_PERMISSION = 'aiplatform.endpoints.predict';

/**
 * What Claude Code needs to use the model listener at `baseUrl` (http://<proxy>:<port>): the
 * provider switch, the base URL, "skip auth" (the proxy signs or adds the token, the agent holds
 * no cloud credential), the region and project, and every model alias pinned to a listed model.
 */
export function modelAgentEnvironment(
  access: ModelAccess,
  listener: ModelListener | undefined,
  baseUrl: string,
): Record<string, string> {
  const listened = listenedModelAccess(access);
  if (listened === undefined || listener === undefined) return {};
  const env: Record<string, string> = {};
  if (listened.provider === 'bedrock') {
    env.CLAUDE_CODE_USE_BEDROCK = '1';
    env.ANTHROPIC_BEDROCK_BASE_URL = `${baseUrl}${listener.basePath}`;
    env.CLAUDE_CODE_SKIP_BEDROCK_AUTH = '1';
    env.AWS_REGION = listened.region;
  } else {
    env.CLAUDE_CODE_USE_VERTEX = '1';
    env.ANTHROPIC_VERTEX_BASE_URL = `${baseUrl}${listener.basePath}`;
    env.CLAUDE_CODE_SKIP_VERTEX_AUTH = '1';
    env.CLOUD_ML_REGION = listened.region;
    env.ANTHROPIC_VERTEX_PROJECT_ID = listened.project;
  }
  const model = defaultModel(listened);
  if (model !== undefined) {
    env.ANTHROPIC_MODEL = model;
    env.ANTHROPIC_DEFAULT_OPUS_MODEL = listened.pins?.opus ?? model;
    env.ANTHROPIC_DEFAULT_SONNET_MODEL = listened.pins?.sonnet ?? model;
    env.ANTHROPIC_DEFAULT_HAIKU_MODEL = listened.pins?.haiku ?? model;
    // Older Claude Code versions read this name for the background model.
    env.ANTHROPIC_SMALL_FAST_MODEL = listened.pins?.haiku ?? model;
  }
  return env;
}

/** Names `modelAgentEnvironment` sets for profile `name`; the profile must not set them itself. */
export function modelAgentEnvironmentNames(inputs: ModelPortInputs, name: string): string[] {
  const listener = profileModelListener(inputs, name);
  return listener === undefined
    ? []
    : Object.keys(modelAgentEnvironment(listener.access, listener, 'http://x'));
}
