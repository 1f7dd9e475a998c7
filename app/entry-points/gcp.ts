// `agent-perimeter/gcp`: the Pulumi components for GCP. Needs the peers @pulumi/pulumi and
// @pulumi/gcp; imports nothing from the AWS CDK (test/app/entry-points.test.ts proves it).
// A new component: export it from pulumi/index.ts; no line is needed here.

export { loadPolicy, type Policy, PolicyError, parsePolicy } from '../../lib/policy/index.js';
export * from '../../pulumi/index.js';
// The component that also takes a policy file and renders the Envoy config itself; it
// replaces pulumi/'s AgentPerimeter (same type token) under the same name.
export { AgentPerimeter, type AgentPerimeterArgs } from '../gcp-perimeter.js';
