import {
  type ExportedResource,
  GCP_PLAN_FORMAT,
  type GcpPlan,
  type PlannedResource,
  type StackExport,
} from '../../../contract/gcp-plan.js';
import type { Source } from './reader.js';

/*
 * The two inputs, an offline plan and `pulumi stack export`, recognised and turned into the
 * same `Source` shape so one reader handles both.
 */

export function isPlan(input: unknown): input is GcpPlan {
  return (
    typeof input === 'object' &&
    input !== null &&
    (input as { format?: unknown }).format === GCP_PLAN_FORMAT &&
    Array.isArray((input as { resources?: unknown }).resources)
  );
}

export function exportedResources(input: unknown): readonly ExportedResource[] | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const deployment = (input as Partial<StackExport>).deployment ?? input;
  const resources = (deployment as { resources?: unknown }).resources;
  return Array.isArray(resources) ? (resources as ExportedResource[]) : undefined;
}

/** Type tokens of the parents in a URN (`urn:pulumi:stack::project::A$B$type::name`). */
function within(urn: string): string[] {
  const chain = urn.split('::')[2] ?? '';
  return chain.split('$').slice(0, -1);
}

export function fromPlan(resource: PlannedResource): Source {
  return {
    within: within(resource.urn),
    type: resource.type,
    name: resource.name,
    id: resource.id ?? undefined,
    custom: resource.custom,
    value: resource.inputs,
  };
}

export function fromExport(resource: ExportedResource): Source {
  const urnName = resource.urn.split('::').pop() ?? resource.urn;
  return {
    within: within(resource.urn),
    type: resource.type,
    name: urnName,
    id: resource.id === '' ? undefined : resource.id,
    custom: resource.custom ?? false,
    // Outputs are what the provider read back; inputs fill fields it does not echo.
    value: { ...(resource.inputs ?? {}), ...(resource.outputs ?? {}) },
  };
}
