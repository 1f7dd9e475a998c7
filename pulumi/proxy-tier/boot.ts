// biome-ignore-all lint/suspicious/noTemplateCurlyInString: this file writes bash, where ${VAR} is shell syntax, not a JS placeholder.
import { stringify } from 'yaml';
import { CONTAINER_LAUNCHER_PATH, GCP_BOOT_FILES } from '../../lib/contract/gcp-boot.js';
import { sha256Hex } from '../../lib/contract/proxy-identity.js';
import type { JsonObject } from '../../lib/json.js';
import { LEAF_DIR, SECRETS_DIR, VERTEX_TOKEN_CONTAINER_DIR } from '../../lib/proxy-contract.js';
import {
  ENVOY_USER,
  type FormattedCredential,
  type LauncherLeaves,
  launchArguments,
  launcherScript,
  stopTimeoutSeconds,
} from '../../lib/proxy-launcher.js';
import { proxyTierError } from './errors.js';
import { TOKEN_SERVICE, tokenRefresherScript, VERTEX_TOKEN_HOST_DIR } from './token-refresher.js';

/*
 * How a proxy instance starts Envoy: a cloud-init document for Container-Optimized OS. It
 * writes the rendered Envoy config (no secrets in it), a script that fetches the credentials
 * from Secret Manager with the instance's service account, and a systemd unit that runs the
 * pinned Envoy image with them. Secrets never appear in metadata, on a command line or on
 * disk: they live in /run (tmpfs) and reach Envoy as environment variables or files.
 */

/** Where the files land on the instance. /etc is stateless on COS; /run is tmpfs. */
export const BOOT_PATHS = {
  config: GCP_BOOT_FILES.config,
  launcher: '/etc/agent-perimeter/launch.sh',
  fetchScript: GCP_BOOT_FILES.fetchScript,
  configDigest: GCP_BOOT_FILES.configDigest,
  fetchedConfig: '/run/agent-perimeter/envoy.json',
  tokenScript: '/etc/agent-perimeter/vertex-token.sh',
  tokenUnit: `/etc/systemd/system/${TOKEN_SERVICE}.service`,
  unit: GCP_BOOT_FILES.unit,
  runDir: '/run/agent-perimeter',
  envFile: '/run/agent-perimeter/envoy.env',
  secretsDir: '/run/agent-perimeter/secrets',
  /** The CA's public certificate (written from the template; not a secret). */
  caCertificate: '/etc/agent-perimeter/ca.crt',
  /** The CA key fetched from Secret Manager at boot (tmpfs, Envoy's user only). */
  caKeyDir: '/run/agent-perimeter/ca',
} as const;

/** Where the proxy container reads the CA certificate and key (read-only bind mounts). */
export const CONTAINER_CA_PATHS = {
  certificate: '/etc/agent-perimeter/ca/ca.crt',
  keyDir: '/etc/agent-perimeter/ca-key',
  key: '/etc/agent-perimeter/ca-key/ca.key',
} as const;

/** Size of the tmpfs the launcher writes the intercepted hosts' leaves to. */
export const LEAF_TMPFS_MIB = 16;

/** The systemd unit (and Docker container) name. */
export const ENVOY_SERVICE = 'agent-perimeter-envoy';

/** Path of the config inside the container. */
export const CONTAINER_CONFIG_PATH = '/etc/envoy/agent-perimeter.json';

/** Path of the launcher (lib/proxy-launcher.ts) inside the container. */
export { CONTAINER_LAUNCHER_PATH, ENVOY_USER };

/**
 * GCE caps one metadata value at 256 KiB. The config travels base64-encoded inside the
 * cloud-init document, so it must stay well below that.
 */
export const MAX_USER_DATA_BYTES = 256 * 1024;

/** One credential Envoy needs: the Secret Manager secret and how Envoy reads it. */
export interface BootSecret {
  /** Secret Manager secret name (in the instance's project). */
  readonly secret: string;
  /** Environment variable Envoy reads it from (`credentials_from: env`). */
  readonly variable: string;
}

export interface BootOptions {
  /** The Envoy image (pinned by the policy). */
  readonly image: string;
  /** The rendered Envoy bootstrap. Never contains a secret value. */
  readonly envoyConfig: JsonObject;
  /** Unique secrets, in policy order. */
  readonly secrets: readonly BootSecret[];
  /** `proxy.credentials_from`: environment variables or files under SECRETS_DIR. */
  readonly credentialsFrom: 'env' | 'file';
  /** Envoy worker threads. */
  readonly concurrency: number;
  /** Open-file limit of the container. */
  readonly nofile: number;
  /** Memory limit of the container, MiB. */
  readonly memoryMib: number;
  /** `proxy.log_level`. */
  readonly logLevel: string;
  /** `proxy.limits.drain_timeout_s`: how long the launcher drains on stop. */
  readonly drainSeconds: number;
  /** `proxy.admin` is `loopback`: the launcher can fail health checks and drain. */
  readonly admin: boolean;
  /**
   * Vertex AI model access: run the token refresher beside Envoy and mount its tmpfs
   * directory into the container. @default false
   */
  readonly vertexToken?: boolean;
  /** Header values the launcher composes (`bearer`, `basic`). @default [] */
  readonly formatted?: readonly FormattedCredential[];
  /**
   * Intercepted hosts: the Secret Manager secret with the CA key, the CA's certificate and
   * the leaves the launcher issues at start onto a tmpfs. @default - none
   */
  readonly interception?: {
    readonly caKeySecret: string;
    readonly caCertificatePem: string;
    readonly leaves: LauncherLeaves;
  };
  /**
   * A Cloud Storage object holding the config (too large for instance metadata): fetched at
   * boot with the instance's service account into tmpfs and checked against the sha256 the
   * boot document pins. @default - the config travels inside the boot document
   */
  readonly configObject?: ConfigObject;
}

/** Where a proxy instance fetches its Envoy config from at boot. */
export interface ConfigObject {
  readonly bucket: string;
  readonly object: string;
}

const SAFE_BUCKET = /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/;
const SAFE_OBJECT = /^[A-Za-z0-9._-]{1,200}$/;

const SAFE_SECRET = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
const SAFE_VARIABLE = /^[A-Z_][A-Z0-9_]*$/;

/** Registries whose pulls need a Google access token (Artifact Registry, Container Registry). */
export function googleRegistryHost(image: string): string | undefined {
  const host = image.split('/')[0] ?? '';
  if (!image.includes('/')) return undefined;
  return /(^|\.)gcr\.io$/.test(host) || /-docker\.pkg\.dev$/.test(host) ? host : undefined;
}

/** The Artifact Registry repository an image lives in, e.g. us-docker.pkg.dev/<project>/<repo>/envoy. */
export function artifactRegistryRepository(
  image: string,
): { location: string; project: string; repository: string } | undefined {
  const m = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\/./.exec(image);
  if (m === null) return undefined;
  return { location: m[1] as string, project: m[2] as string, repository: m[3] as string };
}

/**
 * The lines that hand `dir`, written by root with mode 0700, to Envoy's user read-only: its
 * files (`file`, or every file in it) 0400, the directory itself 0500.
 */
function readOnlyForEnvoy(dir: string, file?: string): string[] {
  return [
    `chown -R ${ENVOY_USER} "${dir}"`,
    file === undefined
      ? `find "${dir}" -type f -exec chmod 0400 {} +`
      : `chmod 0400 "${dir}/${file}"`,
    `chmod 0500 "${dir}"`,
  ];
}

/** The shell script that fetches every secret into tmpfs before Envoy starts. */
export function fetchSecretsScript(options: BootOptions): string {
  const caKey = options.interception?.caKeySecret;
  const all = [
    ...options.secrets,
    ...(caKey === undefined ? [] : [{ secret: caKey, variable: 'CA_KEY' }]),
  ];
  for (const { secret, variable } of all) {
    if (!SAFE_SECRET.test(secret) || !SAFE_VARIABLE.test(variable)) {
      throw proxyTierError(
        `secret "${secret}" (variable "${variable}") cannot be used in the boot script. Fix: secret names are letters, digits, "-" and "_"; this is a bug if the policy validated.`,
      );
    }
  }
  const lines = [
    '#!/bin/bash',
    '# Generated by agent-perimeter. Fetches the Envoy proxy credentials from Secret Manager',
    "# with the instance's service account into tmpfs (/run). Never prints a value; the access",
    '# token reaches curl on stdin, never on a command line.',
    'set -euo pipefail',
    'shopt -s inherit_errexit',
    'umask 077',
    'readonly METADATA=http://metadata.google.internal/computeMetadata/v1',
    `readonly RUN_DIR=${BOOT_PATHS.runDir}`,
    '',
    'metadata() {',
    '  curl --silent --show-error --fail --retry 30 --retry-delay 2 --retry-connrefused \\',
    '    --header \'Metadata-Flavor: Google\' "${METADATA}/$1"',
    '}',
    '',
    '# secret_value NAME: the latest version of secret NAME, decoded.',
    'secret_value() {',
    '  local body data',
    '  body="$(printf \'header = "Authorization: Bearer %s"\\n\' "${token}" |',
    '    curl --config - --silent --show-error --fail --retry 10 --retry-delay 3 --retry-all-errors \\',
    '      "https://secretmanager.googleapis.com/v1/projects/${project}/secrets/$1/versions/latest:access")"',
    '  data="$(printf \'%s\' "${body}" | tr -d \' \\n\' | sed -n \'s/.*"data":"\\([^"]*\\)".*/\\1/p\')"',
    '  if [ -z "${data}" ]; then',
    '    echo "agent-perimeter: secret $1 has no payload" >&2',
    '    return 1',
    '  fi',
    '  printf \'%s\' "${data}" | base64 --decode',
    '}',
    '',
    '# check NAME VALUE: a credential is one non-empty line. A line break would also split the',
    '# env file into another variable; the launcher in the container checks the rest.',
    'check() {',
    '  if [ -z "$2" ]; then',
    '    echo "agent-perimeter: secret $1 is empty. Fix: add a version with the credential." >&2',
    '    exit 1',
    '  fi',
    "  case \"$2\" in *$'\\n'* | *$'\\r'*)",
    '    echo "agent-perimeter: secret $1 contains a line break. Fix: store the value on one line." >&2',
    '    exit 1',
    '    ;;',
    '  esac',
    '}',
    '',
    'rm -rf "${RUN_DIR}"',
    'install -d -m 0700 "${RUN_DIR}"',
  ];
  const object = options.configObject;
  if (
    object !== undefined &&
    (!SAFE_BUCKET.test(object.bucket) || !SAFE_OBJECT.test(object.object))
  ) {
    throw proxyTierError(
      `config object gs://${object.bucket}/${object.object} cannot be used in the boot script. Fix: a bucket name of lower-case letters, digits, "-" and "_".`,
    );
  }
  if (all.length > 0 || object !== undefined) {
    lines.push(
      '',
      'project="$(metadata project/project-id)"',
      "token=\"$(metadata instance/service-accounts/default/token | tr -d ' \\n' |",
      '  sed -n \'s/.*"access_token":"\\([^"]*\\)".*/\\1/p\')"',
      'if [ -z "${token}" ]; then',
      "  echo 'agent-perimeter: the metadata server returned no access token' >&2",
      '  exit 1',
      'fi',
    );
  }
  if (options.credentialsFrom === 'env') {
    lines.push('', ': > "${RUN_DIR}/envoy.env"');
    for (const { secret, variable } of options.secrets) {
      lines.push(
        `value="$(secret_value '${secret}')"`,
        `check '${secret}' "\${value}"`,
        `printf '%s=%s\\n' '${variable}' "\${value}" >> "\${RUN_DIR}/envoy.env"`,
      );
    }
  } else {
    lines.push('', 'install -d -m 0700 "${RUN_DIR}/secrets"');
    for (const { secret } of options.secrets) {
      lines.push(
        `value="$(secret_value '${secret}')"`,
        `check '${secret}' "\${value}"`,
        `printf '%s' "\${value}" > "\${RUN_DIR}/secrets/${secret}"`,
      );
    }
    lines.push(
      '# Envoy runs as uid 101 and reads the files through a read-only bind mount.',
      ...readOnlyForEnvoy('${RUN_DIR}/secrets'),
    );
  }
  if (caKey !== undefined) {
    // The CA key: a multi-line PEM, which an env file cannot hold, so a file only Envoy's
    // user reads, bind-mounted read-only; the launcher reads it once at start.
    lines.push(
      '',
      `install -d -m 0700 "\${RUN_DIR}/ca"`,
      `value="$(secret_value '${caKey}')"`,
      'case "${value}" in *"PRIVATE KEY-----"*) ;; *)',
      `  echo "agent-perimeter: secret ${caKey} is not a PEM private key. Fix: add a version with the ca.key 'agent-perimeter ca create' wrote." >&2`,
      '  exit 1',
      '  ;;',
      'esac',
      `printf '%s\\n' "\${value}" > "\${RUN_DIR}/ca/ca.key"`,
      ...readOnlyForEnvoy('${RUN_DIR}/ca', 'ca.key'),
    );
  }
  if (object !== undefined) {
    lines.push(
      '',
      '# The Envoy config from Cloud Storage (too large for instance metadata), refused unless',
      '# its sha256 is the one the boot document pins.',
      `printf 'header = "Authorization: Bearer %s"\\n' "\${token}" |`,
      '  curl --config - --silent --show-error --fail --retry 10 --retry-delay 3 --retry-all-errors \\',
      `    --output "${BOOT_PATHS.fetchedConfig}" "https://storage.googleapis.com/storage/v1/b/${object.bucket}/o/${object.object}?alt=media"`,
      `want="$(cat ${BOOT_PATHS.configDigest})"`,
      `got="$(sha256sum "${BOOT_PATHS.fetchedConfig}" | cut -d ' ' -f 1)"`,
      'if [ "${got}" != "${want}" ]; then',
      `  echo "agent-perimeter: the Envoy config gs://${object.bucket}/${object.object} has sha256 \${got}, not the pinned \${want}. Fix: run pulumi up, which uploads the config the policy renders; nothing else may write that object." >&2`,
      '  exit 1',
      'fi',
      `chmod 0644 "${BOOT_PATHS.fetchedConfig}"`,
    );
  }
  lines.push('unset value token', '');
  return lines.join('\n');
}

/** `docker run` arguments of the Envoy container. */
export function dockerRunArgs(options: BootOptions): string[] {
  const args = [
    '/usr/bin/docker',
    'run',
    '--rm',
    `--name=${ENVOY_SERVICE}`,
    // Host networking: the internal passthrough load balancer delivers to the instance's
    // address and the guest agent's local route for the forwarding rule's IP.
    '--network=host',
    '--read-only',
    '--tmpfs=/tmp:rw,noexec,nosuid,size=64m',
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
    `--user=${ENVOY_USER}`,
    `--ulimit=nofile=${options.nofile}:${options.nofile}`,
    `--memory=${options.memoryMib}m`,
    '--log-driver=json-file',
    '--log-opt=max-size=50m',
    '--log-opt=max-file=5',
    `--mount=type=bind,source=${options.configObject === undefined ? BOOT_PATHS.config : BOOT_PATHS.fetchedConfig},target=${CONTAINER_CONFIG_PATH},readonly`,
    `--mount=type=bind,source=${BOOT_PATHS.launcher},target=${CONTAINER_LAUNCHER_PATH},readonly`,
  ];
  if (options.vertexToken === true) {
    args.push(
      `--mount=type=bind,source=${VERTEX_TOKEN_HOST_DIR},target=${VERTEX_TOKEN_CONTAINER_DIR},readonly`,
    );
  }
  const interception = options.interception;
  if (interception !== undefined) {
    const [uid = '101', gid = '101'] = ENVOY_USER.split(':');
    args.push(
      `--mount=type=bind,source=${BOOT_PATHS.caCertificate},target=${CONTAINER_CA_PATHS.certificate},readonly`,
      `--mount=type=bind,source=${BOOT_PATHS.caKeyDir},target=${CONTAINER_CA_PATHS.keyDir},readonly`,
      // The leaves live in memory, only in this container, owned by Envoy's user.
      `--tmpfs=${LEAF_DIR}:rw,noexec,nosuid,nodev,size=${LEAF_TMPFS_MIB}m,uid=${uid},gid=${gid},mode=0700`,
    );
  }
  if (options.secrets.length > 0) {
    args.push(
      options.credentialsFrom === 'env'
        ? `--env-file=${BOOT_PATHS.envFile}`
        : `--mount=type=bind,source=${BOOT_PATHS.secretsDir},target=${SECRETS_DIR},readonly`,
    );
  }
  args.push(
    '--entrypoint=/bin/bash',
    options.image,
    CONTAINER_LAUNCHER_PATH,
    ...launchArguments({
      config: { path: CONTAINER_CONFIG_PATH },
      logLevel: options.logLevel,
      concurrency: options.concurrency,
      drainSeconds: options.drainSeconds,
      admin: options.admin,
      credentials:
        options.credentialsFrom === 'env'
          ? { variables: options.secrets.map((s) => s.variable) }
          : { files: options.secrets.map((s) => `${SECRETS_DIR}/${s.secret}`) },
      formattedCredentials: options.formatted ?? [],
      ...(interception === undefined ? {} : { leaves: interception.leaves }),
    }),
  );
  return args;
}

/** The systemd unit that fetches the secrets and runs Envoy, restarting it when it exits. */
export function envoyUnit(options: BootOptions): string {
  const registry = googleRegistryHost(options.image);
  return [
    '[Unit]',
    `Description=agent-perimeter Envoy egress proxy (${options.image})`,
    'Wants=network-online.target',
    'After=network-online.target docker.service',
    'Requires=docker.service',
    '',
    '[Service]',
    'Type=simple',
    // docker-credential-gcr keeps its Docker config under $HOME.
    'Environment=HOME=/var/lib/agent-perimeter',
    'ExecStartPre=/bin/mkdir -p /var/lib/agent-perimeter',
    `ExecStartPre=/bin/bash ${BOOT_PATHS.fetchScript}`,
    // Envoy refuses Vertex AI requests until the first token is there; write it first.
    ...(options.vertexToken === true
      ? [`ExecStartPre=/bin/bash ${BOOT_PATHS.tokenScript} --once`]
      : []),
    ...(registry === undefined
      ? []
      : [`ExecStartPre=/usr/bin/docker-credential-gcr configure-docker --registries=${registry}`]),
    `ExecStartPre=-/usr/bin/docker rm --force ${ENVOY_SERVICE}`,
    `ExecStart=${dockerRunArgs(options).join(' ')}`,
    // docker stop sends SIGTERM; the launcher drains for drainSeconds, docker waits a little
    // longer, and systemd longer still.
    `ExecStop=/usr/bin/docker stop --time=${stopTimeoutSeconds(options.drainSeconds)} ${ENVOY_SERVICE}`,
    `TimeoutStopSec=${stopTimeoutSeconds(options.drainSeconds) + 10}`,
    `ExecStopPost=/bin/rm -rf ${BOOT_PATHS.runDir}`,
    'Restart=always',
    'RestartSec=5',
    'TimeoutStartSec=0',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** The refresher's own unit: keeps the Vertex AI token fresh while the VM runs. */
export function tokenUnit(): string {
  return [
    '[Unit]',
    'Description=agent-perimeter Vertex AI access token for Envoy',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=/bin/bash ${BOOT_PATHS.tokenScript}`,
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * The instance's `user-data`: a cloud-init document for Container-Optimized OS. Throws when
 * the config is too large for one metadata value.
 */
export function proxyCloudInit(options: BootOptions): string {
  const text = cloudInitText(options);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_USER_DATA_BYTES) {
    throw proxyTierError(
      `the proxy's cloud-init document is ${Math.ceil(bytes / 1024)} KiB, over the ${MAX_USER_DATA_BYTES / 1024} KiB GCE allows for one metadata value${options.configObject === undefined ? '' : ', even with the Envoy config fetched from Cloud Storage'}. Fix: shrink the egress list (one "*.example.com" entry instead of many sibling hosts, only the ports each host needs).`,
    );
  }
  return text;
}

/** Whether the boot document with the config inside fits one metadata value. */
export function configFitsInMetadata(options: BootOptions): boolean {
  const { configObject: _, ...inline } = options;
  return Buffer.byteLength(cloudInitText(inline), 'utf8') <= MAX_USER_DATA_BYTES;
}

function cloudInitText(options: BootOptions): string {
  const json = JSON.stringify(options.envoyConfig);
  const document = {
    write_files: [
      options.configObject === undefined
        ? {
            path: BOOT_PATHS.config,
            permissions: '0644',
            owner: 'root',
            encoding: 'b64',
            content: Buffer.from(json, 'utf8').toString('base64'),
          }
        : {
            path: BOOT_PATHS.configDigest,
            permissions: '0644',
            owner: 'root',
            content: sha256Hex(json),
          },
      {
        path: BOOT_PATHS.launcher,
        permissions: '0644',
        owner: 'root',
        content: launcherScript(options.interception !== undefined),
      },
      ...(options.interception === undefined
        ? []
        : [
            {
              path: BOOT_PATHS.caCertificate,
              permissions: '0644',
              owner: 'root',
              content: options.interception.caCertificatePem,
            },
          ]),
      {
        path: BOOT_PATHS.fetchScript,
        permissions: '0700',
        owner: 'root',
        content: fetchSecretsScript(options),
      },
      { path: BOOT_PATHS.unit, permissions: '0644', owner: 'root', content: envoyUnit(options) },
      ...(options.vertexToken === true
        ? [
            {
              path: BOOT_PATHS.tokenScript,
              permissions: '0700',
              owner: 'root',
              content: tokenRefresherScript(),
            },
            {
              path: BOOT_PATHS.tokenUnit,
              permissions: '0644',
              owner: 'root',
              content: tokenUnit(),
            },
          ]
        : []),
    ],
    // /etc is stateless on COS, so the units are started, not enabled.
    runcmd: [
      'systemctl daemon-reload',
      `systemctl start ${ENVOY_SERVICE}.service`,
      ...(options.vertexToken === true ? [`systemctl start ${TOKEN_SERVICE}.service`] : []),
    ],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}
