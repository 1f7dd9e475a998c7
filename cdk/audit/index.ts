export {
  ALARM_PERIOD,
  type AuditAlarmThresholds,
  DEFAULT_THRESHOLDS,
} from './alarms.js';
export { AuditLogging, type AuditLoggingProps } from './audit-logging.js';
export { ACCESS_LOG_PREFIX } from './buckets.js';
export { DELIVERY_BUFFER_SECONDS } from './delivery.js';
export { AuditLoggingError } from './errors.js';
export {
  blockedDnsQueriesPattern,
  deniedRequestsPattern,
  flowLogFields,
  proxyServerErrorsPattern,
  rejectedAgentFlowsPattern,
} from './patterns.js';
export { auditSourceProblems } from './source-check.js';
export { type AuditSource, errorPrefix, sourcePrefix } from './sources.js';
export {
  TASK_EVENT_WRITE_ACTIONS,
  TASK_EVENT_WRITERS,
  TASK_EVENTS_SOURCE,
  taskStateChangePattern,
} from './task-events.js';
