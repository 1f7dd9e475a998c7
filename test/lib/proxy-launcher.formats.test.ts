import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../lib/policy/index.js';
import { MODEL_CREDENTIAL_VARIABLE } from '../../lib/proxy-contract.js';
import { proxyCredentialInputs } from '../../lib/proxy-launch-inputs.js';
import { LAUNCHER_SCRIPT } from '../../lib/proxy-launcher.js';
import { runWithEnvoyStandIn } from '../helpers/launcher.js';

/*
 * One mechanism for composed header values (`--credential-as`): the inject formats and the
 * Bedrock API key, run for real with bash. A bearer value that already carries the prefix is
 * left alone; the key is composed in place, in the variable Envoy reads.
 */

const dir = mkdtempSync(join(tmpdir(), 'launcher-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, 'launch.sh');
writeFileSync(script, LAUNCHER_SCRIPT);

function launch(
  inputs: ReturnType<typeof proxyCredentialInputs>,
  env: Record<string, string>,
  print: string,
) {
  const credentials = { variables: inputs.secrets.map((s) => s.variable) };
  return runWithEnvoyStandIn(
    script,
    { credentials, formattedCredentials: inputs.formatted },
    `printf '%s' "${print}"`,
    env,
  );
}

describe('composed credentials', () => {
  const bedrock = parsePolicy(
    `name: b
egress:
  - host: registry.npmjs.org
model_access:
  provider: bedrock
  region: us-east-1
  api_key_secret: bedrock-key
  inference_profiles:
    - id: us.anthropic.claude-sonnet-4-5-20250929-v1:0
      regions: [us-east-1, us-east-2, us-west-2]
`,
    'b.yaml',
  );

  it('composes the Bedrock API key in place, once', () => {
    const inputs = proxyCredentialInputs(bedrock, 'env');
    expect(inputs.formatted).toEqual([
      {
        out: MODEL_CREDENTIAL_VARIABLE,
        format: 'bearer',
        source: { env: MODEL_CREDENTIAL_VARIABLE },
      },
    ]);
    const plain = launch(
      inputs,
      { [MODEL_CREDENTIAL_VARIABLE]: 'ABSK-example' },
      `$${MODEL_CREDENTIAL_VARIABLE}`,
    );
    expect(plain.stdout, plain.stderr).toBe('Bearer ABSK-example');
    const prefixed = launch(
      inputs,
      { [MODEL_CREDENTIAL_VARIABLE]: 'Bearer ABSK-example' },
      `$${MODEL_CREDENTIAL_VARIABLE}`,
    );
    expect(prefixed.stdout).toBe('Bearer ABSK-example');
  });

  it('builds basic and bearer inject values into their own variables, leaving the secret as it is', () => {
    const policy = parsePolicy(
      `name: f
egress:
  - host: api.example.com
    inject: { header: authorization, secret: example-token, format: bearer }
  - host: git.example.com
    inject: { header: authorization, secret: git-token, format: basic, username: x-access-token }
`,
      'f.yaml',
    );
    const inputs = proxyCredentialInputs(policy, 'env');
    expect(inputs.secrets.map((s) => s.variable)).toEqual([
      'AGENT_PERIMETER_SECRET_EXAMPLE_TOKEN',
      'AGENT_PERIMETER_SECRET_GIT_TOKEN',
    ]);
    const r = launch(
      inputs,
      { AGENT_PERIMETER_SECRET_EXAMPLE_TOKEN: 'tok1', AGENT_PERIMETER_SECRET_GIT_TOKEN: 'tok2' },
      '$AGENT_PERIMETER_SECRET_EXAMPLE_TOKEN_AS_BEARER|$AGENT_PERIMETER_SECRET_GIT_TOKEN_AS_BASIC|$AGENT_PERIMETER_SECRET_GIT_TOKEN',
    );
    expect(r.stdout, r.stderr).toBe(
      `Bearer tok1|Basic ${Buffer.from('x-access-token:tok2').toString('base64')}|tok2`,
    );
  });

  it('has no separate bearer option any more', () => {
    expect(LAUNCHER_SCRIPT).not.toContain('--bearer-env');
  });
});
