import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../lib/image-registry.js';
import { DEFAULT_POLICY_FILE, loadPolicy, policyWarnings } from '../../../lib/policy/index.js';
import { DEFAULT_AGENT_IMAGE, ENVOY_IMAGE, ENVOY_RELEASE } from '../../../lib/versions.js';
import { policyProblems, policyYaml, validPolicy } from '../../helpers/policy.js';

/** A digest for tests of the mechanism only; it names no real image. */
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const EGRESS = '  - host: example.com';
const withImages = (
  proxy: string,
  agent = `public.ecr.aws/docker/library/node:22-slim@${DIGEST}`,
) =>
  policyYaml(
    EGRESS,
    `agents:\n  - name: a\n    image: "${agent}"\n    scratch: [{ path: /tmp, size_mib: 64 }]\nproxy:\n  image: "${proxy}"\n`,
  );
const messages = (text: string) => policyProblems(text).map((p) => `${p.path}: ${p.message}`);
const LANDING_ZONE = `landing_zone:
  access_log_bucket: aws-controltower-s3-access-logs-111122223333-us-east-1
  s3_prefix_list_id: pl-63a5400a
  probe_image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/agent-perimeter/probe@${DIGEST}
`;

describe('the Envoy release', () => {
  it('is defined once: repository, tag and an optional digest, the default proxy.image', () => {
    expect(ENVOY_IMAGE).toBe(`${ENVOY_RELEASE.repository}:${ENVOY_RELEASE.tag}`);
    // No digest was read from the registry for this release: it ships as a tag, warned about.
    expect(ENVOY_RELEASE.digest).toBeUndefined();
    expect(validPolicy(policyYaml(EGRESS)).proxy.image).toBe(ENVOY_IMAGE);
    expect(validPolicy(policyYaml(EGRESS)).agents[0]?.image).toBe(DEFAULT_AGENT_IMAGE);
  });

  it('is what the embedded policy file runs (agent-perimeter.yaml names no other image)', () => {
    const text = readFileSync(DEFAULT_POLICY_FILE, 'utf8');
    const policy = loadPolicy(DEFAULT_POLICY_FILE);
    expect(policy.proxy.image).toBe(ENVOY_IMAGE);
    expect(policy.agents.map((a) => a.image)).toEqual([DEFAULT_AGENT_IMAGE]);
    expect(text).toContain(`image: ${DEFAULT_AGENT_IMAGE}`);
  });
});

describe('image references', () => {
  it.each([
    ['envoyproxy/envoy:v1.36.4', 'docker.io', 'envoyproxy/envoy', 'v1.36.4', undefined],
    [`envoyproxy/envoy:v1.36.4@${DIGEST}`, 'docker.io', 'envoyproxy/envoy', 'v1.36.4', DIGEST],
    [`envoyproxy/envoy@${DIGEST}`, 'docker.io', 'envoyproxy/envoy', undefined, DIGEST],
    ['node', 'docker.io', 'node', undefined, undefined],
    [
      'registry.example.com:5000/team/envoy:v1',
      'registry.example.com:5000',
      'team/envoy',
      'v1',
      undefined,
    ],
    ['localhost/envoy:1', 'localhost', 'envoy', '1', undefined],
    [
      `111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror/envoy@${DIGEST}`,
      '111122223333.dkr.ecr.us-east-1.amazonaws.com',
      'mirror/envoy',
      undefined,
      DIGEST,
    ],
  ])(
    '%s is registry %s, repository %s, tag %s, digest %s',
    (image, registry, repository, tag, digest) => {
      expect(parseImageReference(image)).toEqual({ registry, repository, tag, digest });
    },
  );
});

describe('proxy.image and agents[].image', () => {
  it('accept name:tag@sha256:<64 hex> and name@sha256:<64 hex>, without warnings', () => {
    for (const proxy of [`envoyproxy/envoy:v1.36.4@${DIGEST}`, `envoyproxy/envoy@${DIGEST}`]) {
      const policy = validPolicy(withImages(proxy));
      expect(policy.proxy.image).toBe(proxy);
      expect(policyWarnings(policy)).toEqual([]);
    }
  });

  it.each([
    ['sha256:abc', 'a short digest'],
    [`sha256:${'A'.repeat(64)}`, 'upper-case hex'],
    [`sha512:${'a'.repeat(128)}`, 'another algorithm'],
    [`sha256:${'a'.repeat(63)}g`, 'a non-hex digit'],
  ])('refuse @%s (%s), naming the field, the value and the fix', (digest) => {
    const proxy = `envoyproxy/envoy:v1.36.4@${digest}`;
    const agent = `public.ecr.aws/docker/library/node:22-slim@${digest}`;
    const fix = `has the digest "${digest}", which is not "sha256:" and 64 lowercase hex digits. Fix: copy the digest exactly as \`crane digest\` or \`docker buildx imagetools inspect\` prints it.`;
    const [agentProblem, proxyProblem] = messages(withImages(proxy, agent));
    expect(agentProblem).toBe(`agents[0].image: "${agent}" ${fix}`);
    // The loader shortens a long value it shows; the digest is in the message in full.
    expect(proxyProblem?.startsWith('proxy.image: "envoyproxy/envoy:v1.36.4@')).toBe(true);
    expect(proxyProblem?.endsWith(`" ${fix}`)).toBe(true);
  });

  it('refuse what is not an image reference', () => {
    expect(messages(withImages('Envoyproxy/Envoy:v1', 'node:22 slim'))).toEqual([
      expect.stringMatching(
        /^agents\[0\]\.image: "node:22 slim" is not an image reference\. Fix: /,
      ),
      expect.stringMatching(/^proxy\.image: "Envoyproxy\/Envoy:v1" is not an image reference/),
    ]);
  });
});

describe('tag-without-digest warnings', () => {
  it('name every proxy and agent image given by tag, with the command to read its digest and where to write it', () => {
    const policy = validPolicy(
      policyYaml(
        EGRESS,
        `agents:\n  - name: a\n    image: public.ecr.aws/docker/library/node:22-slim\n  - name: b\n    image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/agents/b@${DIGEST}"\n  - name: c\n    image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/agents/c:1\n`,
      ),
    );
    expect(policyWarnings(policy)).toEqual([
      {
        path: 'proxy.image',
        message:
          '"envoyproxy/envoy:v1.36.4" is a tag without a digest: the registry can move the tag to other content, and the proxy would run it. Fix: read the digest with `crane digest envoyproxy/envoy:v1.36.4` or `docker buildx imagetools inspect envoyproxy/envoy:v1.36.4` (its "Digest:" line) and write proxy.image: "envoyproxy/envoy:v1.36.4@sha256:<digest>".',
      },
      {
        path: 'agents[0].image',
        message:
          '"public.ecr.aws/docker/library/node:22-slim" is a tag without a digest: the registry can move the tag to other content, and the agent would run it. Fix: read the digest with `crane digest public.ecr.aws/docker/library/node:22-slim` or `docker buildx imagetools inspect public.ecr.aws/docker/library/node:22-slim` (its "Digest:" line) and write agents[0].image: "public.ecr.aws/docker/library/node:22-slim@sha256:<digest>".',
      },
      {
        path: 'agents[2].image',
        message: expect.stringContaining(
          'write agents[2].image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/agents/c:1@sha256:<digest>"',
        ),
      },
    ]);
  });
});

describe('proxy.registry_credential_secret', () => {
  it('defaults to the documented ecr-pullthroughcache/ name and refuses others', () => {
    expect(validPolicy(policyYaml(EGRESS)).proxy.registry_credential_secret).toBe(
      'ecr-pullthroughcache/docker-hub',
    );
    expect(
      messages(policyYaml(EGRESS, 'proxy:\n  registry_credential_secret: docker-hub-login\n')),
    ).toEqual([
      'proxy.registry_credential_secret: "docker-hub-login" must be a Secrets Manager secret name starting with "ecr-pullthroughcache/" (ECR reads only those), e.g. "ecr-pullthroughcache/docker-hub".',
    ]);
  });
});

describe('with landing_zone', () => {
  const fix =
    'Fix: copy it into a private ECR repository of the stack\'s account and region with `crane copy envoyproxy/envoy:v1.36.4 <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`, read its digest with `crane digest <that URI>` or `docker buildx imagetools inspect <that URI>` (its "Digest:" line), and write proxy.image: "<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>".';

  it('refuses a proxy image without a digest (an error, not a warning)', () => {
    expect(messages(`${policyYaml(EGRESS)}${LANDING_ZONE}`)).toEqual([
      `proxy.image: "envoyproxy/envoy:v1.36.4" has no digest, and with landing_zone the stack runs images by digest only (a tag can be moved to other content); it is on docker.io, which the stack would pull through an ECR pull-through cache whose repository must keep its tags mutable, and Control Tower's CT.ECR.PR.3 refuses mutable tags. ${fix}`,
    ]);
  });

  it('refuses a public registry even by digest, and takes private ECR by digest', () => {
    const [problem] = messages(
      `${withImages(`envoyproxy/envoy:v1.36.4@${DIGEST}`)}${LANDING_ZONE}`,
    );
    expect(problem).toMatch(
      /^proxy\.image: ".*" is on docker\.io, which the stack would pull through/,
    );
    expect(problem).not.toContain('has no digest');
    const mirrored = `111122223333.dkr.ecr.us-east-1.amazonaws.com/agent-perimeter/envoy@${DIGEST}`;
    expect(validPolicy(`${withImages(mirrored)}${LANDING_ZONE}`).proxy.image).toBe(mirrored);
  });

  it('is what examples/landing-zone.yaml does', () => {
    const policy = loadPolicy(
      join(import.meta.dirname, '../../..', 'examples', 'landing-zone.yaml'),
    );
    expect(policy.proxy.image).toMatch(
      /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/.+@sha256:[a-f0-9]{64}$/,
    );
    expect(policyWarnings(policy)).toEqual([]);
  });
});
