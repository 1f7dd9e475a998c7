export * from './context.js';
export * from './plugin.js';
