import { CfnElement, type CfnResource, Stack, TagManager } from 'aws-cdk-lib';

/** A token resolved to plain JSON (CloudFormation intrinsics stay as objects). */
export function resolved(node: CfnResource, value: unknown): unknown {
  return Stack.of(node).resolve(value);
}

/** A field in camelCase (L1 props) or PascalCase (raw overrides). */
export function field(obj: unknown, name: string): unknown {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const o = obj as Record<string, unknown>;
  return o[name] ?? o[name.charAt(0).toUpperCase() + name.slice(1)];
}

/** The logical id a resolved `{ Ref }` or `{ Fn::GetAtt }` points at. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  return Array.isArray(att) && typeof att[0] === 'string' ? att[0] : undefined;
}

const byStack = new WeakMap<Stack, Map<string, CfnElement>>();

/** The CloudFormation element with a logical id in the node's stack, if any. */
export function elementById(node: CfnResource, logicalId: string): CfnElement | undefined {
  const stack = Stack.of(node);
  let index = byStack.get(stack);
  if (index === undefined || !index.has(logicalId)) {
    index = new Map();
    for (const c of stack.node.findAll()) {
      if (c instanceof CfnElement && Stack.of(c) === stack)
        index.set(stack.resolve(c.logicalId) as string, c);
    }
    byStack.set(stack, index);
  }
  return index.get(logicalId);
}

/** The resource a (token) value refers to, if it is one of this stack. */
export function referencedResource(node: CfnResource, value: unknown): CfnResource | undefined {
  const id = referencedId(resolved(node, value));
  const el = id === undefined ? undefined : elementById(node, id);
  return el !== undefined && 'cfnResourceType' in el ? (el as CfnResource) : undefined;
}

/** Every resource of a CloudFormation type in the node's stack. */
export function resourcesOfType(node: CfnResource, type: string): CfnResource[] {
  const stack = Stack.of(node);
  return stack.node
    .findAll()
    .filter(
      (c): c is CfnResource =>
        c instanceof CfnElement &&
        'cfnResourceType' in c &&
        (c as CfnResource).cfnResourceType === type &&
        Stack.of(c) === stack,
    );
}

/** Tag value of a taggable L1 resource (tags from `Tags.of` are applied during synthesis). */
export function tagOf(node: CfnResource, key: string): string | undefined {
  if (!TagManager.isTaggable(node)) return undefined;
  return node.tags.tagValues()[key];
}
