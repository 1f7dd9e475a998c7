import type { JsonObject } from '../json.js';

/*
 * The offline plan of a GCP perimeter: every resource the Pulumi program would register, with
 * its inputs resolved, in the shape `pulumi stack export` uses for deployed resources (urn,
 * type, custom, parent, inputs, dependencies), so one reader handles both.
 */

/** Identifies a plan file; bump the suffix on incompatible changes. */
export const GCP_PLAN_FORMAT = 'agent-perimeter/gcp-plan@1';

export interface PlannedResource {
  readonly urn: string;
  /**
   * The provider id (mocked in the provider's real format, e.g.
   * "projects/<p>/global/networks/<name>"); null for components.
   */
  readonly id: string | null;
  /** Pulumi type token, e.g. "gcp:compute/firewall:Firewall" or "agent-perimeter:gcp:ProxyTier". */
  readonly type: string;
  /** Pulumi logical name. */
  readonly name: string;
  /** True for cloud resources, false for components. */
  readonly custom: boolean;
  /** URN of the parent component; null at the top. */
  readonly parent: string | null;
  /** Inputs with every Output resolved (against deterministic mock values). */
  readonly inputs: JsonObject;
  /** URNs this resource depends on, sorted. */
  readonly dependencies: readonly string[];
  /** Outputs a component registered. */
  readonly outputs?: JsonObject;
}

export interface GcpPlan {
  readonly format: typeof GCP_PLAN_FORMAT;
  /** The policy's `name`. */
  readonly policy: string;
  /** Project and region the plan was made for (placeholders unless given). */
  readonly project: string;
  readonly region: string;
  /** The program's stack outputs. */
  readonly outputs: JsonObject;
  /** What the deployer should know (e.g. images Cloud Run cannot pull). */
  readonly warnings: readonly string[];
  /** Sorted by URN. */
  readonly resources: readonly PlannedResource[];
}

/** One resource of `pulumi stack export` (deployment v3), the fields we read. */
export interface ExportedResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly id?: string;
  readonly parent?: string;
  readonly inputs?: JsonObject;
  readonly outputs?: JsonObject;
  readonly dependencies?: readonly string[];
  readonly delete?: boolean;
}

/** The output of `pulumi stack export`. */
export interface StackExport {
  readonly version: number;
  readonly deployment: { readonly resources?: readonly ExportedResource[] };
}
