// `agent-perimeter/verify`: the containment verifier for CloudFormation templates, GCP plans
// and recorded AWS describe output, without any cloud SDK.
// A new verifier module: one `export * from` line here (or in lib/containment/index.ts).

export * from '../../lib/containment/aws-describe/index.js';
export * from '../../lib/containment/index.js';
