import { T } from '../../lib/containment/gcp/facts/resource-types.js';
import type { Json, JsonObject } from '../../lib/json.js';
import type {
  ExportedResource,
  GcpPlan,
  PlannedResource,
  StackExport,
} from '../../pulumi/plan/types.js';

/**
 * GCP type tokens the tests look up: the ones the containment facts read, plus a few only the
 * tests name. The perimeter's instance group, autoscaler and backend service are regional, so
 * the short names mean those.
 */
export const GCP = {
  ...T,
  group: T.regionGroup,
  autoscaler: T.regionAutoscaler,
  backend: T.regionBackendService,
  regionHealthCheck: 'gcp:compute/regionHealthCheck:RegionHealthCheck',
  healthCheck: 'gcp:compute/healthCheck:HealthCheck',
  projectIam: 'gcp:projects/iAMMember:IAMMember',
  secretIam: 'gcp:secretmanager/secretIamMember:SecretIamMember',
} as const;

export function ofType(plan: GcpPlan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

/** The single resource of `type` (whose cloud `name` input is `name`, when given). */
export function one(plan: GcpPlan, type: string, name?: string): PlannedResource {
  const found = ofType(plan, type).filter((r) => name === undefined || r.inputs.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}${name === undefined ? '' : ` named ${name}`}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`,
    );
  }
  return found[0] as PlannedResource;
}

/** Inputs of every resource of `type`, keyed by their cloud `name` input. */
export function byName(plan: GcpPlan, type: string): Record<string, JsonObject> {
  return Object.fromEntries(ofType(plan, type).map((r) => [String(r.inputs.name), r.inputs]));
}

/** Walks `path` ("template.vpcAccess.egress", "containers.0.image") through JSON. */
export function at(value: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = value;
  for (const key of path.split('.')) {
    if (current === null || current === undefined || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[Number(key)] : current[key];
  }
  return current;
}

/** Every string anywhere inside a JSON value. */
export function allStrings(value: Json | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || value === undefined || typeof value !== 'object') return [];
  return (Array.isArray(value) ? value : Object.values(value)).flatMap(allStrings);
}

const COMPUTE_API = 'https://www.googleapis.com/compute/v1/';

/** Compute references as the provider reads them back: full self links. */
function asSelfLinks(value: Json): Json {
  if (typeof value === 'string') {
    return /^projects\/[^/]+\/(global|regions|zones)\//.test(value)
      ? `${COMPUTE_API}${value}`
      : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(asSelfLinks);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asSelfLinks(v)]));
}

/**
 * The plan as `pulumi stack export` would show it after `pulumi up`: the stack and provider
 * resources, compute references as full self links in the outputs, and a selfLink each.
 */
export function asStackExport(plan: GcpPlan): StackExport {
  const resources: ExportedResource[] = [
    {
      urn: 'urn:pulumi:dev::agent-perimeter::pulumi:pulumi:Stack::agent-perimeter-dev',
      type: 'pulumi:pulumi:Stack',
    },
    {
      urn: 'urn:pulumi:dev::agent-perimeter::pulumi:providers:gcp::default_9_37_0',
      type: 'pulumi:providers:gcp',
      custom: true,
      id: 'provider-id',
    },
    ...plan.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      custom: r.custom,
      ...(r.id === null ? {} : { id: r.id }),
      ...(r.parent === null ? {} : { parent: r.parent }),
      inputs: r.inputs,
      outputs: {
        ...(asSelfLinks(r.inputs) as JsonObject),
        ...(r.id !== null && r.type.startsWith('gcp:compute/')
          ? { selfLink: `${COMPUTE_API}${r.id}` }
          : {}),
      },
    })),
  ];
  return { version: 3, deployment: { resources } };
}
