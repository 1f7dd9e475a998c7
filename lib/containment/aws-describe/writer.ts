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

  /** A `Ref` to a resource of the snapshot, or the literal id. */
  ref(id: string): { Ref: string } | string {
    return this.known.has(id) ? { Ref: id } : id;
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
