/*
 * Where a GCP proxy instance's boot document (cloud-init user-data) puts what identifies the
 * proxy: pulumi/ writes these files, the verifier reads the config and the image back.
 */

export const GCP_BOOT_FILES = {
  /** The rendered Envoy bootstrap (compact JSON). */
  config: '/etc/agent-perimeter/envoy.json',
  /**
   * The pinned sha256 (hex) of a config fetched from Cloud Storage at boot (too large for
   * instance metadata): the fetch refuses any other content.
   */
  configDigest: '/etc/agent-perimeter/envoy.json.sha256',
  /** The script that fetches the credentials (and a config from Cloud Storage) before Envoy. */
  fetchScript: '/etc/agent-perimeter/fetch-secrets.sh',
  /** The systemd unit whose ExecStart runs the Envoy container. */
  unit: '/etc/systemd/system/agent-perimeter-envoy.service',
} as const;

/** The launcher's path inside the Envoy container: `docker run ... IMAGE <this> ARGS`. */
export const CONTAINER_LAUNCHER_PATH = '/etc/envoy/agent-perimeter-launch.sh';
