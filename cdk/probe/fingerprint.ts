import { createHash } from 'node:crypto';
import { CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The resource types whose changes can open or close a way out of the agent tier. */
const PERIMETER_TYPES = /^AWS::(EC2|Route53Resolver|ElasticLoadBalancingV2|ECS|Scheduler)::/;

/**
 * A short hash of every perimeter resource of the stack as CloudFormation will receive it
 * (network, DNS firewall, load balancers, the proxy's and the probe's task definitions),
 * computed when the template is written. A custom resource that carries it runs again
 * whenever the perimeter changes, and only then: the synth stays deterministic.
 */
export function perimeterFingerprint(scope: IConstruct, exclude: IConstruct): string {
  const stack = Stack.of(scope);
  return Lazy.string({
    produce: () => {
      const hash = createHash('sha256');
      for (const node of stack.node.findAll()) {
        if (!(node instanceof CfnResource) || node === exclude) continue;
        if (!PERIMETER_TYPES.test(node.cfnResourceType)) continue;
        const rendered = stack.resolve(
          (node as unknown as { _toCloudFormation(): object })._toCloudFormation(),
        );
        hash.update(JSON.stringify(rendered));
      }
      return hash.digest('hex').slice(0, 16);
    },
  });
}
