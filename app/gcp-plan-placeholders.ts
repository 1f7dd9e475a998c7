/*
 * The project and region an offline GCP plan uses when none is given, so that plans are
 * comparable. Kept out of app/gcp-plan.ts, which loads the Pulumi SDKs, so that `plan-gcp
 * --help` can name them without loading those.
 */
export const PLAN_PROJECT = 'agent-perimeter-plan';
export const PLAN_REGION = 'us-central1';
