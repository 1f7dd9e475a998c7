/*
 * Facts shared by more than one renderer, or by a renderer and a checker, each defined once:
 * tier marks and network tags, the proxy's contract (ports, log fields, refusals), and the
 * GCP plan format. Builders and verifiers import them from here.
 */

export * from '../proxy-contract.js';
export * from './gcp-boot.js';
export * from './gcp-plan.js';
export * from './hardening.js';
export * from './proxy-identity.js';
export * from './runtimes.js';
export * from './tiers.js';
