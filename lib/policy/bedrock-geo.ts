/**
 * Geography prefixes of Bedrock's cross-region (system-defined) inference profiles. Kept apart
 * from the schema so code that must stay free of zod (the probe bundle) can use it.
 */
export const BEDROCK_GEO_PREFIXES: readonly string[] = [
  'us',
  'us-gov',
  'eu',
  'apac',
  'jp',
  'au',
  'ca',
  'global',
];
