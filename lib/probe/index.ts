export type { PlannedCheck, ProbeContext, Verdict } from './check.js';
export { POLICY_REFUSAL_PREFIX } from './checks/proxy.js';
export { PROBE_USAGE, type ProbeIo, parseProxy, probeMain } from './cli.js';
export * from './deploy.js';
export * from './image.js';
export * from './report.js';
export { newNonce, planChecks, runProbe } from './run.js';
export * from './targets.js';
