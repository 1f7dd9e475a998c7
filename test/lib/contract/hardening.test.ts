import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildAwsApp } from '../../../app/aws.js';
import {
  AGENT_HARDENING,
  CLOUD_RUN_SANDBOXED,
  composeHardening,
  containerProperty,
} from '../../../lib/contract/hardening.js';
import { composeProject } from '../../../lib/local/compose.js';
import { loadPolicy } from '../../../lib/policy/index.js';
import { AgentService } from '../../../pulumi/agents/agent-service.js';

/*
 * The hardening table (lib/contract/hardening.ts) is what the AWS guard, the cdk-nag rules,
 * the local compose writer and the Cloud Run components read: each row's test must pass on
 * what the builders make and fail on the property it names, weakened.
 */

const policy = loadPolicy();

function agentContainer(): Record<string, unknown> {
  process.env.CDK_VALIDATION = 'false';
  const { stack } = buildAwsApp({ context: { 'agent-perimeter:probe': false } });
  const template = Template.fromStack(stack);
  const defs = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  const mine = defs.find((d) =>
    ((d.Properties?.Tags ?? []) as { Value: string }[]).some((t) => t.Value === 'claude-code'),
  );
  const containers = mine?.Properties?.ContainerDefinitions as Record<string, unknown>[];
  const agent = containers?.find((c) => c.Name === 'agent');
  if (agent === undefined) throw new Error('no agent container in the template');
  return agent;
}

/** Breaks what a row's ECS property asks for. */
const WEAKENED: Record<string, (c: Record<string, unknown>) => void> = {
  'read-only-root': (c) => {
    c.ReadonlyRootFilesystem = false;
  },
  'non-root-user': (c) => {
    c.User = '0:0';
  },
  'capabilities-dropped': (c) => {
    (c.LinuxParameters as { Capabilities: { Add?: string[] } }).Capabilities.Add = ['NET_RAW'];
  },
  'not-privileged': (c) => {
    c.Privileged = true;
  },
  'init-process': (c) => {
    (c.LinuxParameters as { InitProcessEnabled?: boolean }).InitProcessEnabled = false;
  },
};

describe('the agent hardening table', () => {
  const agent = agentContainer();
  const ecsRows = AGENT_HARDENING.filter((r) => !('unavailable' in r.ecs));

  it('names a guide control and a platform answer for every row', () => {
    for (const row of AGENT_HARDENING) {
      expect(row.control).toMatch(/^C\d+$/);
      expect(row.requirement.length).toBeGreaterThan(5);
    }
    expect(new Set(AGENT_HARDENING.map((r) => r.id)).size).toBe(AGENT_HARDENING.length);
  });

  for (const row of ecsRows) {
    it(`${row.id}: holds on the agent container the stack builds and fails when weakened`, () => {
      if ('unavailable' in row.ecs) throw new Error('filtered above');
      expect(row.ecs.holds(agent)).toBe(true);
      const weaken = WEAKENED[row.id];
      expect(weaken, `no weakening for ${row.id}`).toBeDefined();
      const copy = structuredClone(agent);
      weaken?.(copy);
      expect(row.ecs.holds(copy)).toBe(false);
    });
  }

  it('reads both CloudFormation and CDK L1 spellings', () => {
    expect(
      containerProperty(
        { linuxParameters: { initProcessEnabled: true } },
        'LinuxParameters.InitProcessEnabled',
      ),
    ).toBe(true);
    expect(
      containerProperty(
        { LinuxParameters: { InitProcessEnabled: true } },
        'LinuxParameters.InitProcessEnabled',
      ),
    ).toBe(true);
  });

  it('is what the local compose writer gives every container', () => {
    const compose = composeProject(policy, 'envoy: {}', {}) as {
      services: Record<string, unknown>;
    };
    for (const service of Object.values(compose.services)) {
      expect(service).toMatchObject(composeHardening());
    }
  });

  it('is what the Cloud Run agent service runs on', () => {
    expect(AgentService.EXECUTION_ENVIRONMENT).toBe(CLOUD_RUN_SANDBOXED);
    const sandbox = AGENT_HARDENING.find((r) => r.id === 'kernel-sandbox');
    expect(sandbox?.cloudRun).toEqual({ by: CLOUD_RUN_SANDBOXED });
  });
});
