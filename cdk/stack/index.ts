export * from './agent-perimeter-stack.js';
export * from './compose.js';
