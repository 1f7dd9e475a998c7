/**
 * DNS names a container runtime resolves to pull `image`, for registries whose names are
 * stable and documented. Private ECR needs none here (the stacks allow it through endpoints);
 * for other registries this returns the registry host only, and its CDN names must be added
 * by the user (or the image mirrored to private ECR, which is the recommendation).
 */
export function imageRegistryDomains(image: string): string[] {
  const first = image.split('/')[0] ?? '';
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':'));
  const registry = hasRegistry ? first.replace(/:\d+$/, '') : 'docker.io';
  if (/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(registry)) return [];
  switch (registry) {
    case 'docker.io':
    case 'index.docker.io':
    case 'registry-1.docker.io':
      return ['registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com'];
    case 'ghcr.io':
      return ['ghcr.io', 'pkg-containers.githubusercontent.com'];
    case 'quay.io':
      return ['quay.io', '*.quay.io'];
    default:
      return [registry];
  }
}
