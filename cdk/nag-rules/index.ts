export {
  AGENT,
  containers,
  isAgentService,
  isAgentTaskDefinition,
  TIER_TAG,
  taggedAgent,
} from './agent-tier.js';
export * from './pack.js';
export * from './rules/index.js';
