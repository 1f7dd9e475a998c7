export * from './agent-log-group-encrypted.js';
export * from './agent-service-no-public-ip.js';
export * from './agent-task-awsvpc.js';
export * from './agent-task-capabilities-dropped.js';
export * from './agent-task-no-secrets.js';
export * from './agent-task-non-root-user.js';
export * from './agent-task-read-only-root.js';
export * from './agent-task-role-no-wildcards.js';
