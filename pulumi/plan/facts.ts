// The normalizer is pure data munging, so it lives with the containment verifier in lib/.
export * from '../../lib/containment/gcp/facts.js';
