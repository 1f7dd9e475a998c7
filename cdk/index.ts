export * from './agents/index.js';
export * from './audit/index.js';
export * from './nag.js';
export * from './network/index.js';
export * from './probe/index.js';
export * from './proxy-tier/index.js';
export * from './stack/index.js';
