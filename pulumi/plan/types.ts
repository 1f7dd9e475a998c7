// The plan format is a contract between this program and the containment verifier (lib/contract).
export * from '../../lib/contract/gcp-plan.js';
