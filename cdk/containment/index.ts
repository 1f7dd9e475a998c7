export * from './context.js';
export * from './derived.js';
export * from './plugin.js';
