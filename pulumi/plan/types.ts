// The plan format is shared with the containment verifier, so it lives in lib/.
export * from '../../lib/containment/gcp/plan-format.js';
