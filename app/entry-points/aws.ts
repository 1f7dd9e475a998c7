// `agent-perimeter/aws`: the AWS CDK constructs. Needs the peers aws-cdk-lib, constructs and
// cdk-nag; imports nothing from Pulumi (test/app/entry-points.test.ts proves it).
// A new construct: export it from its folder's index and that folder from cdk/index.ts; no
// line is needed here.

export * from '../../cdk/index.js';
export { loadPolicy, type Policy, PolicyError, parsePolicy } from '../../lib/policy/index.js';
export {
  AgentPerimeter,
  AgentPerimeterError,
  type AgentPerimeterProps,
} from '../aws-perimeter.js';
