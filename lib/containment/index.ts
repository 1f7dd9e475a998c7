export * from '../contract/gcp-plan.js';
export * from './addresses.js';
export type { AnalysisOptions } from './analysis/context.js';
export { type AgentReach, analyze, type ContainmentResult } from './analyze.js';
export { type CloudFormationOptions, modelsFromTemplate } from './aws/adapter.js';
export { TIER_TAG } from './aws/builder.js';
export { TemplateError } from './aws/template.js';
export * from './destinations.js';
export * from './flows.js';
export {
  type GcpOptions,
  isGcpInput,
  modelFromGcp,
  modelFromGcpFacts,
} from './gcp/adapter.js';
export * from './gcp/facts.js';
export { AGENT_TAG, GOOGLE_API_VIPS, PROXY_TAG } from './gcp/names.js';
export type * from './model.js';
export { EVERY_MEMBER, isUnresolved } from './model.js';
export { evaluateOrdered, type OrderedResult, type OrderedRule } from './ordered.js';
export { localRoutes, type RoutedDestinations, routeDestinations } from './routing.js';
export * from './verify.js';
export * from './violations.js';
