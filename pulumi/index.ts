// The GCP half of agent-perimeter: Pulumi components and the pure planning behind them.
// Import components one by one, or compose them all with AgentPerimeter.
export * from './agents/agent-service.js';
export * from './agents/plan.js';
export * from './cidr.js';
export * from './errors.js';
export * from './logging/audit-logging.js';
export * from './logging/plan.js';
export * from './names.js';
export * from './network/agent-network.js';
export * from './network/plan.js';
export * from './perimeter.js';
export * from './plan/facts.js';
export * from './plan/types.js';
export * from './probe/plan.js';
export * from './probe/probe-job.js';
export * from './proxy-tier/boot.js';
export * from './proxy-tier/egress-policy.js';
export * from './proxy-tier/plan.js';
export * from './proxy-tier/proxy-tier.js';
