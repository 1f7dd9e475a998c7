import { describe, expect, it } from 'vitest';
import { imageRegistryDomains } from '../lib/image-registry.js';
import { ENVOY_IMAGE } from '../lib/versions.js';

describe('imageRegistryDomains', () => {
  it.each([
    [ENVOY_IMAGE, ['registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com']],
    ['node:22', ['registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com']],
    ['ghcr.io/org/envoy:v1', ['ghcr.io', 'pkg-containers.githubusercontent.com']],
    ['quay.io/org/envoy:v1', ['quay.io', '*.quay.io']],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1', []],
    ['registry.example.com:5000/team/envoy:v1', ['registry.example.com']],
  ])('%s needs %j', (image, domains) => {
    expect(imageRegistryDomains(image)).toEqual(domains);
  });
});
