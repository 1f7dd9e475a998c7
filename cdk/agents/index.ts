export { ecsTasksPrincipal } from '../task-execution.js';
export {
  AGENT_PROFILE_TAG_KEY,
  type AgentImageRef,
  AgentWorkload,
  type AgentWorkloadProps,
} from './agent-workload.js';
export { AgentWorkloads, type AgentWorkloadsProps } from './agent-workloads.js';
export { AgentWorkloadError } from './errors.js';
export { agentTaskProblems, guardAgentTaskDefinition } from './guard.js';
export { awsAccessStatements, executionPolicyStatements } from './iam.js';
export {
  type AgentImage,
  cacheRepositoryName,
  ECR_PUBLIC_REGISTRY,
  parseAgentImage,
  pullThroughCachePrefix,
} from './image.js';
export { type RunTaskInputs, runTaskCommand } from './run-task.js';
export {
  type AgentTaskSize,
  agentTaskSize,
  FARGATE_DEFAULT_STORAGE_GIB,
  FARGATE_MAX_STORAGE_GIB,
  IMAGE_ALLOWANCE_GIB,
} from './size.js';
