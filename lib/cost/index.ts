export { awsIdleCost, runsPerMonth } from './aws.js';
export { gcpIdleCost } from './gcp.js';
export * from './markdown.js';
export * from './prices.js';
export * from './report.js';
