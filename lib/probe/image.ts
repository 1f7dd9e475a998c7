/**
 * The image the cloud probe tasks run the bundle in: Docker's official Node 22 image, which
 * the probe needs nothing beyond (it brings its program in the task definition). AWS pulls
 * its ECR Public mirror through the stack's pull-through cache (the agent subnets reach only
 * ECR); Cloud Run pulls from Docker Hub. Pin a digest for production through the constructs'
 * `image` property.
 */
export const PROBE_IMAGE = {
  aws: 'public.ecr.aws/docker/library/node:22-slim',
  gcp: 'docker.io/library/node:22-slim',
} as const;

/** The probe's container name, profile name and log stream prefix in the cloud stacks. */
export const PROBE_NAME = 'probe';
