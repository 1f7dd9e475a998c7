/* The GCP network facts live in ./facts/; this path stays for existing importers. */
export * from './facts/index.js';
