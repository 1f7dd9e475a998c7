export { EnvoyConfigObject } from './config-object.js';
export {
  type ConfigDelivery,
  configBytes,
  configDelivery,
  ENVOY_ENTRYPOINT,
  ENVOY_USER,
  type EnvoyCommandOptions,
  envoyCommand,
  envoyEntrypoint,
  FETCHING_ENVOY_ENTRYPOINT,
  MAX_INLINE_CONFIG_BYTES,
  MAX_TASK_DEFINITION_BYTES,
  maxInlineConfigBytes,
  TASK_DEFINITION_OVERHEAD_BYTES,
} from './envoy-command.js';
export { ProxyTierError } from './errors.js';
export { secretArnForPolicies } from './execution-role.js';
export { FARGATE_MEMORY_BY_CPU, type FargateTaskSize, fargateTaskSize } from './fargate-size.js';
export {
  type EcrRepositoryRef,
  ecrRepositoryOf,
  PROXY_IMAGE_UPSTREAMS,
  type ProxyImageSource,
  type ProxyImageUpstream,
  proxyImageCachePrefix,
  proxyImageSource,
} from './image.js';
export { ProxyImageCache, type ProxyImageCacheProps } from './image-cache.js';
export { ProxyTier, type ProxyTierProps } from './proxy-tier.js';
export { logRetention } from './retention.js';
