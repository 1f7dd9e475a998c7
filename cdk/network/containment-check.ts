import { Stack } from 'aws-cdk-lib';
import {
  type CfnSecurityGroup,
  CfnSecurityGroupEgress,
  CfnSecurityGroupIngress,
  type SecurityGroup,
} from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';

/** The group's rules as CloudFormation will see them: inline rules and separate rule resources. */
function rulesOf(group: SecurityGroup): string[] {
  const stack = Stack.of(group);
  const cfn = group.node.defaultChild as CfnSecurityGroup;
  const id = JSON.stringify(stack.resolve(group.securityGroupId));
  const inline = (kind: string, value: unknown) =>
    ((stack.resolve(value) as unknown[] | undefined) ?? []).map(
      (rule) => `${kind} ${JSON.stringify(rule)}`,
    );
  const rules = [
    ...inline('ingress', cfn.securityGroupIngress),
    ...inline('egress', cfn.securityGroupEgress),
  ];
  for (const node of stack.node.findAll()) {
    if (node instanceof CfnSecurityGroupIngress || node instanceof CfnSecurityGroupEgress) {
      if (JSON.stringify(stack.resolve(node.groupId)) === id) rules.push(node.node.path);
    }
  }
  return rules;
}

/**
 * Fails synthesis when anything in the stack widens the agent security group after the
 * perimeter built it, e.g. `service.connections.allowToAnyIpv4()` on a service that uses the
 * group (control C18: agents reach only the proxy and the endpoints). Rules added from other
 * stacks are not seen.
 */
export function guardAgentSecurityGroup(scope: IConstruct, group: SecurityGroup): void {
  const baseline = new Set(rulesOf(group));
  scope.node.addValidation({
    validate: () => {
      const added = rulesOf(group).filter((rule) => !baseline.has(rule));
      if (added.length === 0) return [];
      return [
        `the agent security group ${group.node.path} gained rules AgentNetwork did not create: ${added.join('; ')}. Agents may reach only the proxy load balancer and the VPC endpoints (control C18). Fix: remove those rules, or give the other workload its own security group.`,
      ];
    },
  });
}
