import { describe, expect, it } from 'vitest';
import {
  imageRegistryDomains,
  isDockerHub,
  parseImageReference,
  privateEcrRegistry,
} from '../../lib/image-registry.js';
import { ENVOY_IMAGE } from '../../lib/versions.js';

describe('imageRegistryDomains', () => {
  it.each([
    [ENVOY_IMAGE, ['registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com']],
    ['node:22', ['registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com']],
    ['ghcr.io/org/envoy:v1', ['ghcr.io', 'pkg-containers.githubusercontent.com']],
    ['quay.io/org/envoy:v1', ['quay.io', '*.quay.io']],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1', []],
    ['registry.example.com:5000/team/envoy:v1', ['registry.example.com']],
    // A digest changes nothing about where the image lives.
    [
      `envoyproxy/envoy:v1.36.4@sha256:${'0'.repeat(64)}`,
      ['registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com'],
    ],
    [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/envoy@sha256:${'0'.repeat(64)}`, []],
  ])('%s needs %j', (image, domains) => {
    expect(imageRegistryDomains(image)).toEqual(domains);
  });
});

describe('registries', () => {
  it.each(['docker.io', 'index.docker.io', 'registry-1.docker.io'])(
    'knows %s as Docker Hub',
    (name) => {
      expect(isDockerHub(name)).toBe(true);
    },
  );

  it('knows quay.io is not Docker Hub', () => {
    expect(isDockerHub('quay.io')).toBe(false);
  });

  it.each([
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      { account: '123456789012', region: 'eu-west-1' },
    ],
    [
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com',
      { account: '123456789012', region: 'us-gov-west-1' },
    ],
    ['public.ecr.aws', undefined],
  ])('reads %s as the private ECR registry of %j', (registry, expected) => {
    expect(privateEcrRegistry(registry)).toEqual(expected);
  });
});

describe('parseImageReference', () => {
  it.each([
    ['envoyproxy/envoy', { registry: 'docker.io', repository: 'envoyproxy/envoy' }],
    ['quay.io/acme/envoy:1', { registry: 'quay.io', repository: 'acme/envoy', tag: '1' }],
  ])('splits the registry off %s only when the first part is a host', (image, parts) => {
    expect(parseImageReference(image)).toMatchObject(parts);
  });

  it('refuses a digest that is not "sha256:" and 64 lowercase hex digits', () => {
    expect(parseImageReference('envoy:v1@sha256:abc')).toEqual({
      problem: expect.stringContaining('has the digest "sha256:abc"'),
    });
  });
});
