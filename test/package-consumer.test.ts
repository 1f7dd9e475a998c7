import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamVpcPerimeterPropsSource, teamVpcSource } from './helpers/team-vpc.js';

/*
 * The npm package as its users get it (ADRs 0030, 0031): `npm pack` (which builds dist/), then
 * the tarball installed into apps outside the repository:
 * - an AWS app made by the real `cdk init app --language typescript` of the aws-cdk CLI we
 *   pin, with its own aws-cdk-lib, synthesized with plain `npx cdk synth` (the template's own
 *   `npx tsc && npx tsx bin/<app>.ts`): the perimeter inside the app's stack (new VPC) and inside
 *   a stack with the app's own VPC, gated by addAgentPerimeterChecks(app) alone;
 * - the same app run by ts-node (how `cdk init` templates ran apps before tsx), with a bucket of
 *   its own that the packs reject;
 * - the same app's modules from plain Node (ESM) and the installed CLI;
 * - a Pulumi program (ESM) that composes the GCP perimeter under Pulumi's mocks.
 * Installs are offline in practice: every version is the one this repository's `npm ci` put in
 * the npm cache, and `--prefer-offline` skips the registry round trips.
 */

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const repo = resolve(dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const pin = (name: string) => {
  const version = pkg.devDependencies[name];
  if (version === undefined) throw new Error(`${name} is not a devDependency`);
  return version;
};
const cdkCli = join(dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk');
const MINUTES = 60_000;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command, never throwing: the exit code and both streams. */
async function sh(
  cmd: string,
  args: string[],
  cwd: string,
  timeout = 6 * MINUTES,
): Promise<Result> {
  try {
    const { stdout, stderr } = await run(cmd, args, {
      cwd,
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CI: 'true', NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: `${e.stderr ?? ''}\n${e.message}`,
    };
  }
}

async function ok(cmd: string, args: string[], cwd: string): Promise<string> {
  const result = await sh(cmd, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) exited ${result.code}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  }
  return result.stdout;
}

const npmInstall = (cwd: string) =>
  ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], cwd);

// The team VPC and the perimeter's place in it: test/helpers/team-vpc.ts, as in the library test.
const STACK = `import * as cdk from 'aws-cdk-lib/core';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AgentPerimeter, acknowledge, loadPolicy } from 'agent-perimeter/aws';

/** The team's own stack, with the perimeter (new VPC) inside it. */
export class AwsAppStack extends cdk.Stack {
  public readonly perimeter: AgentPerimeter;
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);
    const reports = new s3.Bucket(this, 'Reports', {
      enforceSSL: this.node.tryGetContext('demo:plainBucket') === undefined,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
    });
    for (const id of [
      'AwsSolutions-S1',
      'NIST.800.53.R5-S3BucketLoggingEnabled',
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      'HIPAA.Security-S3BucketLoggingEnabled',
      'HIPAA.Security-S3BucketReplicationEnabled',
      'HIPAA.Security-S3DefaultEncryptionKMS',
      'PCI.DSS.321-S3BucketLoggingEnabled',
      'PCI.DSS.321-S3BucketReplicationEnabled',
      'PCI.DSS.321-S3DefaultEncryptionKMS',
    ]) {
      acknowledge(reports, id, 'A scratch bucket of the fixture app, outside the perimeter.');
    }
    this.perimeter = new AgentPerimeter(this, 'Perimeter', {
      policy: loadPolicy('agent-perimeter.yaml'),
      network: { s3PrefixListId: 'pl-63a5400a' },
    });
  }
}

/** A stack with the team's existing VPC; the perimeter goes into its subnets. */
export class ExistingVpcStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);
    const vpc = ${teamVpcSource('this')};
    for (const subnet of vpc.publicSubnets) {
      for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
        for (const rule of ['VPCSubnetAutoAssignPublicIpDisabled', 'VPCNoUnrestrictedRouteToIGW']) {
          acknowledge(subnet, pack + '-' + rule, 'The NAT subnets of the team VPC need the internet gateway.');
        }
      }
    }
    new AgentPerimeter(this, 'Perimeter', ${teamVpcPerimeterPropsSource('vpc')});
  }
}
`;

const APP = `#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib/core';
import { addAgentPerimeterChecks } from 'agent-perimeter/aws';
import { AwsAppStack, ExistingVpcStack } from '../lib/aws-app-stack';

const app = new cdk.App();
addAgentPerimeterChecks(app);
new AwsAppStack(app, 'AwsAppStack');
if (app.node.tryGetContext('demo:plainBucket') === undefined) {
  new ExistingVpcStack(app, 'ExistingVpcStack');
}
`;

const PLAIN_NODE = `import { readFileSync } from 'node:fs';
import { loadPolicy, renderCheckedProxyConfig } from 'agent-perimeter';
import { verifyTemplate, formatReport, combine } from 'agent-perimeter/verify';
const policy = loadPolicy('agent-perimeter.yaml');
const config = renderCheckedProxyConfig(policy);
const template = JSON.parse(readFileSync('cdk.out/AwsAppStack.template.json', 'utf8'));
const report = verifyTemplate(template, 'AwsAppStack', { managedPrefixLists: { 'pl-63a5400a': 's3' } });
console.log(JSON.stringify({ name: policy.name, listeners: config.static_resources.listeners.length, lines: formatReport(combine([report])) }));
`;

const PULUMI_PROGRAM = `import * as pulumi from '@pulumi/pulumi';
const registered = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push(args.type);
      return { id: args.name + '-id', state: { ...args.inputs, name: args.inputs.name ?? args.name } };
    },
    call: (args) => args.inputs,
  },
  'team-program',
  'dev',
  false,
);
const { AgentPerimeter, loadPolicy } = await import('agent-perimeter/gcp');
const perimeter = new AgentPerimeter('team', {
  policy: loadPolicy('agent-perimeter.yaml'),
  project: 'team-project',
  region: 'europe-west1',
});
const address = await new Promise((done) => perimeter.proxyAddress.apply(done));
await new Promise((done) => setTimeout(done, 500));
console.log(JSON.stringify({ address, warnings: perimeter.warnings.length, types: registered }));
`;

let work: string;
let tarball: string;
let awsApp: string;
let gcpApp: string;
let synth: Result;
let failingSynth: Result;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'agent-perimeter-consumer-'));
  const packed = JSON.parse(
    await ok('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], repo),
  ) as { filename: string }[];
  tarball = join(work, packed[0]?.filename ?? 'missing.tgz');

  // The AWS app, exactly as `cdk init` writes it, then pointed at pinned, cached versions.
  awsApp = join(work, 'aws-app');
  await ok('mkdir', ['-p', awsApp], work);
  await ok(
    process.execPath,
    [cdkCli, 'init', 'app', '--language', 'typescript', '--generate-only'],
    awsApp,
  );
  const appPkg = JSON.parse(readFileSync(join(awsApp, 'package.json'), 'utf8'));
  appPkg.dependencies = {
    'agent-perimeter': `file:${tarball}`,
    // No @cdklabs/cdk-validator-cfnguard: Control Tower's controls are opt-in, so agent-perimeter/aws
    // and its checks must load without that optional peer.
    'aws-cdk-lib': pin('aws-cdk-lib'),
    'cdk-nag': pin('cdk-nag'),
    constructs: pin('constructs'),
  };
  // The template's test runner (jest, swc) is left out; TypeScript is the repository's 6.x
  // (the template asks for a newer major that is not in the cache).
  appPkg.devDependencies = {
    '@types/node': pin('@types/node'),
    'aws-cdk': pin('aws-cdk'),
    'ts-node': pin('ts-node'),
    tsx: pin('tsx'),
    typescript: pin('typescript'),
  };
  writeFileSync(join(awsApp, 'package.json'), `${JSON.stringify(appPkg, null, 2)}\n`);
  const tsconfig = JSON.parse(readFileSync(join(awsApp, 'tsconfig.json'), 'utf8'));
  tsconfig.compilerOptions.types = ['node'];
  tsconfig.exclude = [...tsconfig.exclude, 'test'];
  writeFileSync(join(awsApp, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  rmSync(join(awsApp, 'test'), { recursive: true, force: true });
  writeFileSync(join(awsApp, 'lib', 'aws-app-stack.ts'), STACK);
  writeFileSync(join(awsApp, 'bin', 'aws-app.ts'), APP);
  writeFileSync(
    join(awsApp, 'agent-perimeter.yaml'),
    readFileSync(join(repo, 'agent-perimeter.yaml')),
  );
  writeFileSync(join(awsApp, 'plain.mjs'), PLAIN_NODE);
  await npmInstall(awsApp);
  synth = await sh('npx', ['cdk', 'synth', '--quiet'], awsApp);
  // The app with a bucket that breaks the packs: one stack, run the way older `cdk init`
  // templates ran apps (ts-node, CommonJS, loading the ES module package through require(esm)).
  failingSynth = await sh(
    'npx',
    [
      'cdk',
      'synth',
      '--quiet',
      '--app',
      'npx ts-node --prefer-ts-exts bin/aws-app.ts',
      '--output',
      'cdk.out.plain',
      '-c',
      'demo:plainBucket=1',
    ],
    awsApp,
  );

  // The Pulumi program: ESM, the GCP peers only.
  gcpApp = join(work, 'gcp-app');
  await ok('mkdir', ['-p', gcpApp], work);
  writeFileSync(
    join(gcpApp, 'package.json'),
    `${JSON.stringify(
      {
        name: 'team-program',
        private: true,
        type: 'module',
        dependencies: {
          'agent-perimeter': `file:${tarball}`,
          '@pulumi/gcp': pin('@pulumi/gcp'),
          '@pulumi/pulumi': pin('@pulumi/pulumi'),
        },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(gcpApp, 'index.mjs'), PULUMI_PROGRAM);
  writeFileSync(
    join(gcpApp, 'agent-perimeter.yaml'),
    readFileSync(join(repo, 'agent-perimeter.yaml')),
  );
  await npmInstall(gcpApp);
}, 25 * MINUTES);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships dist/ with declarations and source maps, not the TypeScript sources', async () => {
    const files = (await ok('tar', ['tzf', tarball], work)).split('\n');
    expect(files).toContain('package/dist/app/entry-points/aws.js');
    expect(files).toContain('package/dist/app/entry-points/aws.d.ts');
    expect(files).toContain('package/dist/app/entry-points/aws.js.map');
    expect(files).toContain('package/agent-perimeter.yaml');
    expect(files.filter((f) => /^package\/(lib|cdk|pulumi|proxy|app|test)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });
});

describe('a cdk init TypeScript app', () => {
  it('installs no Pulumi and no second aws-cdk-lib', () => {
    expect(existsSync(join(awsApp, 'node_modules', '@pulumi'))).toBe(false);
    expect(existsSync(join(awsApp, 'node_modules', 'aws-cdk-lib', 'package.json'))).toBe(true);
    expect(
      existsSync(join(awsApp, 'node_modules', 'agent-perimeter', 'node_modules', 'aws-cdk-lib')),
    ).toBe(false);
  });

  it('synthesizes with plain `npx cdk synth` (tsc, then tsx), the checks green', () => {
    expect(synth.stderr + synth.stdout).not.toMatch(/ERROR|Error:/);
    expect(synth.code).toBe(0);
    for (const stack of ['AwsAppStack', 'ExistingVpcStack']) {
      const template = JSON.parse(
        readFileSync(join(awsApp, 'cdk.out', `${stack}.template.json`), 'utf8'),
      ) as { Resources: Record<string, { Type: string }> };
      const types = Object.values(template.Resources).map((r) => r.Type);
      expect(types, stack).toContain('AWS::ElasticLoadBalancingV2::LoadBalancer');
      expect(types, stack).toContain('AWS::Route53Resolver::FirewallRuleGroupAssociation');
    }
  });

  it('under ts-node the packs check the app’s own resources: a bucket without TLS-only fails', () => {
    expect(failingSynth.code).not.toBe(0);
    const output = failingSynth.stdout + failingSynth.stderr;
    expect(output).toMatch(/AwsSolutions-S10[\s\S]*AwsAppStack\/Reports/);
    // Nothing the perimeter builds is a finding; the one thing said about it is the policy's
    // own tag-without-digest warning (the embedded policy ships tags), on the proxy and agents.
    const onPerimeter = output.split('\n').filter((l) => l.includes('AwsAppStack/Perimeter/'));
    expect(new Set(onPerimeter.map((l) => l.trim()))).toEqual(
      new Set([
        'AwsAppStack/Perimeter/Proxy constructs.Construct',
        'AwsAppStack/Perimeter/Agents constructs.Construct',
      ]),
    );
    expect(output).not.toMatch(/ERROR [^\n]*\n\s+AwsAppStack\/Perimeter\//);
    expect(output).toMatch(
      /WARNING proxy\.image "[^"]+" is a tag without a digest[^\n]*\n\s+AwsAppStack\/Perimeter\/Proxy /,
    );
    expect(output).toContain("Acknowledge with 'Annotation::agent-perimeter:image-without-digest'");
  });

  it('runs from plain Node (ESM): policy, renderer and verifier entry points', async () => {
    const out = JSON.parse(await ok(process.execPath, ['plain.mjs'], awsApp)) as {
      name: string;
      listeners: number;
      lines: string[];
    };
    expect(out.name).toBe('demo');
    expect(out.listeners).toBeGreaterThan(1);
    expect(out.lines.join('\n')).toMatch(/^contained: \d+ agent attachment/);
  });

  it('the installed CLI runs from dist/', async () => {
    const check = await sh(
      'npx',
      ['agent-perimeter', 'check-policy', 'agent-perimeter.yaml'],
      awsApp,
    );
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('valid policy "demo"');
    const verify = await sh(
      'npx',
      ['agent-perimeter', 'verify', 'cdk.out/ExistingVpcStack.template.json'],
      awsApp,
    );
    expect(verify.stdout).toMatch(/^contained: /);
  });

  it('a command whose optional peers are missing exits 2 with the install line', async () => {
    const gcp = await sh(
      'npx',
      ['agent-perimeter', 'check-policy', '--target', 'gcp', 'agent-perimeter.yaml'],
      awsApp,
    );
    expect(gcp.code).toBe(2);
    expect(gcp.stderr).toContain(
      'check-policy --target gcp needs the optional peer dependency @pulumi/pulumi, which is not installed. Fix: npm install --save-dev @pulumi/pulumi@^3.248.0 @pulumi/gcp@^9.37.0',
    );
    expect(gcp.stderr).not.toMatch(/ at |ERR_MODULE_NOT_FOUND/);
    const aws = await sh(
      'npx',
      ['agent-perimeter', 'check-policy', '--target', 'aws', 'agent-perimeter.yaml'],
      awsApp,
    );
    expect(aws.code).toBe(2);
    expect(aws.stderr).toContain('npm install --save-dev @cdklabs/cdk-validator-cfnguard@0.0.62');
  });
});

describe('a Pulumi program under mocks', () => {
  it('installs no AWS CDK', () => {
    expect(existsSync(join(gcpApp, 'node_modules', 'aws-cdk-lib'))).toBe(false);
    expect(existsSync(join(gcpApp, 'node_modules', 'cdk-nag'))).toBe(false);
  });

  it('composes the GCP perimeter from agent-perimeter/gcp', async () => {
    const out = JSON.parse(await ok(process.execPath, ['index.mjs'], gcpApp)) as {
      address: string;
      types: string[];
    };
    expect(out.types).toContain('agent-perimeter:gcp:AgentPerimeter');
    expect(out.types).toContain('gcp:compute/network:Network');
    expect(out.types).toContain('gcp:compute/firewall:Firewall');
    expect(out.types.length).toBeGreaterThan(40);
    expect(typeof out.address).toBe('string');
  });
});
