export { ProbeAlarms, type ProbeAlarmsProps } from './alarms.js';
export { DeployRun, type DeployRunProps, deployRunCode, MAX_INLINE_CODE } from './deploy-run.js';
export { ProbeTaskError } from './errors.js';
export { perimeterFingerprint } from './fingerprint.js';
export { probeMetricName, probeOutcomePattern, probeRunPattern } from './patterns.js';
export { ProbeTask, type ProbeTaskProps, scheduleExpression } from './probe-task.js';
