import type { CfnResource } from 'aws-cdk-lib';
import { TIER_TAG, Tier } from '../../lib/contract/tiers.js';
import { field, referencedResource, resolved, resourcesOfType, tagOf } from './lookup.js';

/**
 * The tag (or CloudFormation metadata key) that marks agent resources. agent-perimeter's
 * network tags agent subnets and the agent security group with it; agent task definitions
 * carry it too (`Tags.of(taskDefinition).add('agent-perimeter:tier', 'agent')`), which is how
 * this pack, seeing one resource at a time, knows a task definition runs an agent.
 */
export { TIER_TAG };
export const AGENT = Tier.AGENT;

/** Whether a resource is tagged (or has metadata) `agent-perimeter:tier=agent`. */
export function taggedAgent(node: CfnResource): boolean {
  return tagOf(node, TIER_TAG) === AGENT || node.getMetadata(TIER_TAG) === AGENT;
}

/** Whether an ECS service (or task set) runs agents: tagged, agent task, agent subnets or group. */
export function isAgentService(node: CfnResource): boolean {
  if (taggedAgent(node)) return true;
  const props = node as unknown as { taskDefinition?: unknown; networkConfiguration?: unknown };
  const task = referencedResource(node, props.taskDefinition);
  if (task !== undefined && taggedAgent(task)) return true;
  const awsvpc = field(resolved(node, props.networkConfiguration), 'awsvpcConfiguration');
  const refs = [field(awsvpc, 'securityGroups'), field(awsvpc, 'subnets')].flatMap((v) =>
    Array.isArray(v) ? v : [],
  );
  return refs.some((r) => {
    const target = referencedResource(node, r);
    return target !== undefined && taggedAgent(target);
  });
}

/** Whether a task definition runs an agent: tagged, or used by a service that runs agents. */
export function isAgentTaskDefinition(node: CfnResource): boolean {
  if (node.cfnResourceType !== 'AWS::ECS::TaskDefinition') return false;
  if (taggedAgent(node)) return true;
  return [
    ...resourcesOfType(node, 'AWS::ECS::Service'),
    ...resourcesOfType(node, 'AWS::ECS::TaskSet'),
  ].some(
    (service) =>
      referencedResource(
        service,
        (service as unknown as { taskDefinition?: unknown }).taskDefinition,
      ) === node && isAgentService(service),
  );
}

/** A container definition of a task definition, resolved. */
export interface Container {
  readonly name: string;
  readonly definition: unknown;
}

export function containers(node: CfnResource): Container[] {
  const list = resolved(
    node,
    (node as unknown as { containerDefinitions?: unknown }).containerDefinitions,
  );
  if (!Array.isArray(list)) return [];
  return list.map((d, i) => {
    const definition = resolved(node, d);
    const name = field(definition, 'name');
    return { name: typeof name === 'string' ? name : `container${i}`, definition };
  });
}
