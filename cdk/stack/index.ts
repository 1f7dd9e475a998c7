export * from './agent-perimeter-stack.js';
