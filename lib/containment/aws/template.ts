/** The parts of a CloudFormation template the verifier reads. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
}

export interface CfnParameter {
  readonly Type?: string;
  readonly Default?: unknown;
  readonly AllowedValues?: readonly unknown[];
}

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, CfnParameter>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Mappings?: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>
  >;
}

/** The input is not a CloudFormation template the verifier can read. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Checks the shape the verifier relies on; throws {@link TemplateError} naming the problem. */
export function asTemplate(json: unknown, source: string): CfnTemplate {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TemplateError(
      `${source}: not a CloudFormation template (expected a JSON object with "Resources"). Fix: pass a synthesized template, e.g. cdk.out/<stack>.template.json.`,
    );
  }
  const t = json as Record<string, unknown>;
  const resources = t.Resources;
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) {
    throw new TemplateError(
      `${source}: no "Resources" object, so this is not a CloudFormation template (nor a GCP plan or \`pulumi stack export\` output). Fix: pass a synthesized template, e.g. cdk.out/<stack>.template.json, or cdk.out/gcp-plan.json.`,
    );
  }
  for (const [id, r] of Object.entries(resources as Record<string, unknown>)) {
    const type = (r as { Type?: unknown } | null)?.Type;
    if (typeof type !== 'string') {
      throw new TemplateError(
        `${source}: resource "${id}" has no "Type" string. Fix: pass the template CloudFormation would deploy.`,
      );
    }
  }
  return t as unknown as CfnTemplate;
}
