import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchArguments } from '../../../lib/proxy-launcher.js';
import {
  type BootOptions,
  dockerRunArgs,
  envoyUnit,
  fetchSecretsScript,
  googleRegistryHost,
} from '../../../pulumi/proxy-tier/boot.js';
import { BOOT_OPTIONS, BOOT_SECRETS } from '../../helpers/proxy-boot.js';

/*
 * The proxy's boot script, run for real with bash against a fake `curl` that plays the
 * metadata server and Secret Manager: it must write the credentials only where Envoy reads
 * them, never put the access token or a credential on a command line or in its output.
 */

const SECRETS = BOOT_SECRETS;
const OPTIONS = BOOT_OPTIONS;
const TOKEN = 'ya29.test-token';

const FAKE_CURL = `#!/bin/bash
# Fake curl: records its command line, answers the metadata server and Secret Manager.
printf '%s\\n' "$*" >> "$FAKE_LOG"
url="\${@: -1}"
config=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "--config" ] && [ "$arg" = "-" ]; then config="$(cat)"; fi
  prev="$arg"
done
case "$url" in
  */computeMetadata/v1/project/project-id) printf 'my-project' ;;
  */computeMetadata/v1/instance/service-accounts/default/token)
    printf '{"access_token":"${TOKEN}","expires_in":3599,"token_type":"Bearer"}' ;;
  https://secretmanager.googleapis.com/v1/projects/my-project/secrets/*/versions/latest:access)
    if [ "$config" != 'header = "Authorization: Bearer ${TOKEN}"' ]; then
      echo "curl: (22) The requested URL returned error: 401" >&2; exit 22
    fi
    name="\${url#*/secrets/}"; name="\${name%%/*}"
    var="FAKE_SECRET_\${name//-/_}"
    if [ -z "\${!var+x}" ]; then echo "curl: (22) The requested URL returned error: 403" >&2; exit 22; fi
    data="$(printf '%s' "\${!var}" | base64 | tr -d '\\n')"
    printf '{\\n  "name": "projects/1/secrets/%s/versions/3",\\n  "payload": {\\n    "data": "%s",\\n    "dataCrc32c": "42"\\n  }\\n}\\n' "$name" "$data" ;;
  *) echo "curl: unexpected $url" >&2; exit 22 ;;
esac
`;
const FAKE_CHOWN = `#!/bin/bash
printf 'chown %s\\n' "$*" >> "$FAKE_LOG"
`;

const bashOk =
  spawnSync('bash', ['-c', 'shopt -s inherit_errexit && command -v base64 >/dev/null']).status ===
  0;

interface Run {
  readonly code: number | null;
  readonly output: string;
  readonly runDir: string;
  readonly log: string;
}

function runScript(options: BootOptions, secrets: Record<string, string>): Run {
  const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-boot-'));
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  for (const [name, text] of [
    ['curl', FAKE_CURL],
    ['chown', FAKE_CHOWN],
  ] as const) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  const runDir = join(dir, 'run');
  const script = fetchSecretsScript(options).replace(
    'readonly RUN_DIR=/run/agent-perimeter',
    `readonly RUN_DIR=${runDir}`,
  );
  writeFileSync(join(dir, 'fetch.sh'), script);
  const log = join(dir, 'curl.log');
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    FAKE_LOG: log,
  };
  for (const [name, value] of Object.entries(secrets)) {
    env[`FAKE_SECRET_${name.replace(/-/g, '_')}`] = value;
  }
  const r = spawnSync('bash', [join(dir, 'fetch.sh')], { env, encoding: 'utf8' });
  return {
    code: r.status,
    output: `${r.stdout}${r.stderr}`,
    runDir,
    log: existsSync(log) ? readFileSync(log, 'utf8') : '',
  };
}

describe.skipIf(!bashOk)('the proxy boot script (bash, fake metadata server)', () => {
  const values = { 'anthropic-api-key': 'sk-ant-test-1\n', gh_tok: 'ghs_test=2' };

  it('writes an env file Docker reads, with trailing newlines removed', () => {
    const run = runScript(OPTIONS, values);
    expect(run.output).toBe('');
    expect(run.code).toBe(0);
    const file = join(run.runDir, 'envoy.env');
    expect(readFileSync(file, 'utf8')).toBe(
      'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY=sk-ant-test-1\nAGENT_PERIMETER_SECRET_GH_TOK=ghs_test=2\n',
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(run.runDir).mode & 0o777).toBe(0o700);
  });

  it('never puts the token or a credential on a command line', () => {
    const run = runScript(OPTIONS, values);
    expect(run.log).toContain('secrets/anthropic-api-key/versions/latest:access');
    for (const secret of [TOKEN, 'sk-ant-test-1', 'ghs_test=2']) {
      expect(run.log).not.toContain(secret);
      expect(run.output).not.toContain(secret);
    }
  });

  it('writes one file per secret for Envoy (uid 101) in file mode', () => {
    const run = runScript({ ...OPTIONS, credentialsFrom: 'file' }, values);
    expect(run.code).toBe(0);
    expect(readFileSync(join(run.runDir, 'secrets', 'anthropic-api-key'), 'utf8')).toBe(
      'sk-ant-test-1',
    );
    expect(readFileSync(join(run.runDir, 'secrets', 'gh_tok'), 'utf8')).toBe('ghs_test=2');
    expect(run.log).toContain(`chown -R 101:101 ${join(run.runDir, 'secrets')}`);
    expect(existsSync(join(run.runDir, 'envoy.env'))).toBe(false);
  });

  it('fails without printing the value when a credential spans lines', () => {
    const run = runScript(OPTIONS, { ...values, gh_tok: 'line-one\nline-two' });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('secret gh_tok contains a line break');
    expect(run.output).not.toContain('line-one');
  });

  it('fails when Secret Manager refuses a secret', () => {
    const run = runScript(OPTIONS, { 'anthropic-api-key': 'sk-ant-test-1' });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('403');
  });

  it('needs no token when the policy injects nothing', () => {
    const run = runScript({ ...OPTIONS, secrets: [] }, {});
    expect(run.code).toBe(0);
    expect(run.log).toBe('');
  });
});

describe('the Envoy unit', () => {
  it('runs Envoy read-only, unprivileged, as uid 101 with host networking', () => {
    const args = dockerRunArgs(OPTIONS);
    expect(args).toEqual(
      expect.arrayContaining([
        '--network=host',
        '--read-only',
        '--cap-drop=ALL',
        '--security-opt=no-new-privileges',
        '--user=101:101',
        '--env-file=/run/agent-perimeter/envoy.env',
        '--mount=type=bind,source=/etc/agent-perimeter/launch.sh,target=/etc/envoy/agent-perimeter-launch.sh,readonly',
        '--entrypoint=/bin/bash',
      ]),
    );
    // The launcher checks the credentials, then runs Envoy and drains it on stop.
    expect(args.slice(args.indexOf('envoyproxy/envoy:v1.36.4'))).toEqual([
      'envoyproxy/envoy:v1.36.4',
      '/etc/envoy/agent-perimeter-launch.sh',
      // Exactly the launcher's arguments (their literal form: test/lib/proxy-launcher.test.ts).
      ...launchArguments({
        config: { path: '/etc/envoy/agent-perimeter.json' },
        logLevel: 'info',
        concurrency: 1,
        drainSeconds: 30,
        admin: true,
        credentials: { variables: SECRETS.map((s) => s.variable) },
      }),
    ]);
    expect(dockerRunArgs({ ...OPTIONS, credentialsFrom: 'file' })).toContain(
      '--mount=type=bind,source=/run/agent-perimeter/secrets,target=/etc/agent-perimeter/secrets,readonly',
    );
  });

  it('fetches the secrets before every start and logs in to Artifact Registry only when needed', () => {
    const unit = envoyUnit(OPTIONS);
    expect(unit).toContain('ExecStartPre=/bin/bash /etc/agent-perimeter/fetch-secrets.sh');
    expect(unit).toContain('Restart=always');
    // docker waits longer than the launcher drains, systemd longer still.
    expect(unit).toContain('ExecStop=/usr/bin/docker stop --time=40 agent-perimeter-envoy');
    expect(unit).toContain('TimeoutStopSec=50');
    expect(unit).not.toContain('docker-credential-gcr');
    const ar = 'us-docker.pkg.dev/acme/mirror/envoy:v1.36.4';
    expect(googleRegistryHost(ar)).toBe('us-docker.pkg.dev');
    expect(envoyUnit({ ...OPTIONS, image: ar })).toContain(
      'docker-credential-gcr configure-docker --registries=us-docker.pkg.dev',
    );
  });
});
