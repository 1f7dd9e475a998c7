import { beforeAll, describe, expect, it } from 'vitest';
import { planGcp } from '../../../app/gcp-plan.js';
import { prepareParsed } from '../../../app/prepare.js';
import { formatViolation, verifyTemplate } from '../../../lib/containment/index.js';
import type { JsonObject } from '../../../lib/json.js';
import { ENVOY_IMAGE } from '../../../lib/versions.js';
import { GcpPerimeterError } from '../../../pulumi/errors.js';
import type { GcpPlan } from '../../../pulumi/plan/types.js';
import { gcpProxyImageSource, gcpProxyPullImage } from '../../../pulumi/proxy-tier/image.js';
import { policyYaml, validPolicy } from '../../helpers/policy.js';
import { at, GCP, ofType, one } from '../../helpers/pulumi-plan.js';

/*
 * The GCP proxy's image source (ADR 0055): public registries through an Artifact Registry
 * remote repository, Artifact Registry as it is, anything else refused; and the containment
 * proof still reads the VM's image as the proxy identity.
 */

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const withImage = (image: string) =>
  prepareParsed(
    validPolicy(policyYaml('  - host: api.example.com', `proxy:\n  image: "${image}"`)),
  );
const userDataOf = (plan: GcpPlan): string =>
  String(at(one(plan, GCP.template).inputs, 'metadata.user-data'));
const WHERE = { project: 'acme-agents', region: 'europe-west4', policyName: 'demo' };

describe('gcpProxyImageSource', () => {
  it('takes Docker Hub, quay.io and public.ecr.aws through a remote repository', () => {
    expect(gcpProxyImageSource('node:22')).toMatchObject({
      kind: 'remote',
      upstream: 'docker-hub',
      upstreamRepository: 'library/node',
    });
    expect(gcpProxyImageSource('quay.io/acme/envoy:v1')).toMatchObject({ upstream: 'quay' });
    expect(gcpProxyImageSource('public.ecr.aws/acme/envoy:v1')).toMatchObject({
      upstream: 'ecr-public',
    });
    expect(gcpProxyPullImage(`envoyproxy/envoy:v1.36.4@${DIGEST}`, WHERE)).toBe(
      `europe-west4-docker.pkg.dev/acme-agents/demo-proxy/envoyproxy/envoy@${DIGEST}`,
    );
    expect(gcpProxyPullImage('envoyproxy/envoy:v1.36.4', WHERE)).toBe(
      'europe-west4-docker.pkg.dev/acme-agents/demo-proxy/envoyproxy/envoy:v1.36.4',
    );
  });

  it('uses an Artifact Registry image as it is', () => {
    const mirrored = `us-docker.pkg.dev/acme-agents/mirror/envoy@${DIGEST}`;
    expect(gcpProxyImageSource(mirrored)).toEqual({ kind: 'artifact-registry' });
    expect(gcpProxyPullImage(mirrored, WHERE)).toBe(mirrored);
  });

  it('refuses any other registry with the field, the value and the mirror step', async () => {
    const message =
      'ProxyTier: proxy.image "ghcr.io/acme/envoy:v1" is on ghcr.io, which the GCP proxy does not pull from directly and an Artifact Registry remote repository is not set up for here (Docker Hub, quay.io and public.ecr.aws are). Fix: copy it into an Artifact Registry repository of the perimeter\'s project and region with `crane copy ghcr.io/acme/envoy:v1 <region>-docker.pkg.dev/<project>/<repository>/<path>:<tag>` and write that URI (by digest) as proxy.image.';
    expect(() => gcpProxyImageSource('ghcr.io/acme/envoy:v1')).toThrow(
      new GcpPerimeterError('ProxyTier', message.replace(/^ProxyTier: /, '')),
    );
    const refused = await planGcp({ prepared: withImage('ghcr.io/acme/envoy:v1') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(GcpPerimeterError);
    expect((refused as GcpPerimeterError).exitCode).toBe(2);
    expect((refused as Error).message).toContain(message);
  });
});

describe('a quay.io image pinned by digest', () => {
  const image = `quay.io/acme/envoy:v1.36.4@${DIGEST}`;
  let plan: GcpPlan;
  beforeAll(async () => {
    plan = await planGcp({ prepared: withImage(image) });
  });

  it('comes through a remote repository with a custom upstream, by digest', () => {
    const cache = one(plan, 'gcp:artifactregistry/repository:Repository');
    expect(at(cache.inputs, 'remoteRepositoryConfig.dockerRepository')).toEqual({
      customRepository: { uri: 'https://quay.io' },
    });
    const userData = userDataOf(plan);
    expect(userData).toContain(
      `us-central1-docker.pkg.dev/agent-perimeter-plan/test-proxy/acme/envoy@${DIGEST}`,
    );
    expect(userData).not.toContain(`quay.io/acme`);
    expect(
      ofType(plan, 'gcp:artifactregistry/repositoryIamMember:RepositoryIamMember'),
    ).toHaveLength(1);
  });

  it('is still the proxy identity the containment proof reads, by digest only', () => {
    const identity = (expected: string) =>
      verifyTemplate(plan as unknown as JsonObject, 'plan', {
        expectedProxy: {
          image: expected,
          configDigest: withImage(image).expectedProxy.configDigest,
        },
      })
        .violations.filter((v) => v.channel === 'identity' || v.channel === 'cannot-prove')
        .map((v) => formatViolation(v));
    expect(identity(image)).toEqual([]);
    // A planted mismatch: another image (another digest, or the tag alone) is not proved.
    expect(identity(`quay.io/acme/envoy:v1.36.4@sha256:${'f'.repeat(64)}`)).toHaveLength(1);
    expect(identity(ENVOY_IMAGE).join('\n')).toMatch(/not the proxy image envoyproxy\/envoy/);
  });
});

describe('the default Docker Hub image', () => {
  it('stays contained, and is the identity by its path and tag behind the repository', async () => {
    const prepared = withImage(ENVOY_IMAGE);
    const plan = await planGcp({ prepared });
    const report = verifyTemplate(plan as unknown as JsonObject, 'plan', {
      expectedProxy: prepared.expectedProxy,
    });
    expect(report.violations.map((v) => formatViolation(v))).toEqual([]);
    const other = verifyTemplate(plan as unknown as JsonObject, 'plan', {
      expectedProxy: { ...prepared.expectedProxy, image: 'envoyproxy/envoy:v1.37.0' },
    }).violations.filter((v) => v.channel === 'identity');
    expect(other).toHaveLength(1);
  });
});
