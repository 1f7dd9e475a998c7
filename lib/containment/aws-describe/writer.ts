import type { CfnResource, CfnTemplate } from '../aws/template.js';

/**
 * Builds the CloudFormation-shaped view of a describe snapshot. Resources are keyed by their
 * AWS id (`subnet-0a1b...`), so messages name what an operator sees in the console; a
 * reference to something in the snapshot becomes a `Ref`, to anything else a literal id,
 * which the template adapter treats as outside its view (cannot prove, unless trusted).
 */
export class TemplateWriter {
  private readonly resources: Record<string, CfnResource> = {};
  private readonly known = new Set<string>();

  /** Declares ids that will be written, so references to them resolve in any order. */
  declare(ids: Iterable<string | undefined>): void {
    for (const id of ids) if (id !== undefined) this.known.add(id);
  }

  has(id: string | undefined): boolean {
    return id !== undefined && this.known.has(id);
  }

  /** A `Ref` to a resource of the snapshot, or the literal id; none when the snapshot gave none. */
  ref(id: string): { Ref: string } | string;
  ref(id: string | undefined): { Ref: string } | string | undefined;
  ref(id: string | undefined): { Ref: string } | string | undefined {
    if (id === undefined) return undefined;
    return this.known.has(id) ? { Ref: id } : id;
  }

  /** A reference to each id of a list field the snapshot gives as ids (`SubnetIds`), if any. */
  refs(ids: unknown): ({ Ref: string } | string)[] {
    return ((ids as string[] | undefined) ?? []).map((id) => this.ref(id));
  }

  add(id: string, type: string, properties: Record<string, unknown>): void {
    this.known.add(id);
    const clean = Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== undefined));
    this.resources[id] = { Type: type, Properties: clean };
  }

  template(): CfnTemplate {
    return { Resources: this.resources };
  }
}
