import { Stack } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { IConstruct } from 'constructs';
import { AGENT_HARDENING, type HardeningId } from '../../lib/contract/hardening.js';
import { credentialValue } from '../../lib/policy/index.js';
import { CREDENTIAL_AGENT_ENV, PROXY_CREDENTIAL_ENV_PREFIX } from '../../lib/policy/semantics.js';

export interface AgentTaskGuardOptions {
  /** Container that runs the agent: it must have a non-root user. */
  readonly agentContainerName: string;
  /** Whether the profile asked for AWS access, and so may have a task role. */
  readonly taskRoleAllowed: boolean;
}

/**
 * Rows that hold for the agent container alone: the run-once scratch init container runs as
 * uid 0 without an init process (acknowledged on the nag rule with its reason).
 */
const AGENT_CONTAINER_ONLY: ReadonlySet<HardeningId> = new Set(['non-root-user', 'init-process']);

interface ContainerJson {
  readonly Name?: string;
  readonly Environment?: readonly { Name?: string; Value?: unknown }[];
  readonly EnvironmentFiles?: readonly unknown[];
  readonly Secrets?: readonly unknown[];
}

interface TaskDefinitionJson {
  readonly TaskRoleArn?: unknown;
  readonly ContainerDefinitions?: readonly ContainerJson[];
  readonly Volumes?: readonly Record<string, unknown>[];
}

/**
 * The literal text of a (possibly token-built) CloudFormation string: plain strings, the
 * string parts of `Fn::Join` and the template of `Fn::Sub` without its `${...}` references.
 * References (`Ref`, `Fn::GetAtt`, ...) are other resources' values, not text in the template.
 */
function literals(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  const fn = value as { 'Fn::Join'?: [string, unknown[]]; 'Fn::Sub'?: unknown };
  if (fn['Fn::Join'] !== undefined) return fn['Fn::Join'][1].flatMap(literals);
  const sub = fn['Fn::Sub'];
  if (sub !== undefined) {
    const template = Array.isArray(sub) ? sub[0] : sub;
    return typeof template === 'string' ? template.split(/\$\{[^}]*\}/) : [];
  }
  return [];
}

/** The task definition as CloudFormation will receive it, escape-hatch overrides included. */
function rendered(taskDefinition: ecs.TaskDefinition): TaskDefinitionJson {
  const cfn = taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
  const template = Stack.of(cfn).resolve(cfn._toCloudFormation()) as {
    Resources?: Record<string, { Properties?: TaskDefinitionJson }>;
  };
  return Object.values(template.Resources ?? {})[0]?.Properties ?? {};
}

/**
 * What must hold for an agent task definition, checked on the final template so that changes
 * made after construction (`container.addEnvironment`, `addSecret`, a task role, property
 * overrides) are caught too. Returns one message per problem; values are never echoed.
 */
export function agentTaskProblems(
  taskDefinition: ecs.TaskDefinition,
  options: AgentTaskGuardOptions,
): string[] {
  const path = taskDefinition.node.path;
  const props = rendered(taskDefinition);
  const problems: string[] = [];
  const add = (message: string) => problems.push(`agent task definition ${path}: ${message}`);
  if (props.TaskRoleArn !== undefined && !options.taskRoleAllowed) {
    add(
      'has a task role, so the task metadata endpoint would hand the agent AWS credentials (control C20). Fix: remove the task role; a profile that needs AWS access lists it under `aws_access`.',
    );
  }
  for (const volume of props.Volumes ?? []) {
    const kinds = Object.entries(volume)
      .filter(([key, value]) => key !== 'Name' && value !== undefined)
      .map(([key]) => key);
    if (kinds.length > 0) {
      add(
        `volume "${String(volume.Name)}" is ${kinds.join(', ')}, not ephemeral task storage. Fix: agents get only ephemeral scratch volumes (policy \`scratch\`); mount nothing from a host or a shared file system (controls C13, C25).`,
      );
    }
  }
  for (const container of props.ContainerDefinitions ?? []) {
    const name = container.Name ?? '?';
    const where = `container "${name}"`;
    if ((container.Secrets ?? []).length > 0) {
      add(
        `${where} has \`secrets\`. Agents must never hold credentials (control C2). Fix: remove them and add an \`inject\` rule to the policy so the proxy adds the credential to requests.`,
      );
    }
    if ((container.EnvironmentFiles ?? []).length > 0) {
      add(
        `${where} loads environment files, whose contents cannot be checked for credentials. Fix: set plain values in the policy's \`environment\`.`,
      );
    }
    for (const variable of container.Environment ?? []) {
      const key = variable.Name ?? '?';
      if (
        (CREDENTIAL_AGENT_ENV as readonly string[]).includes(key) ||
        key.startsWith(PROXY_CREDENTIAL_ENV_PREFIX)
      ) {
        add(
          `${where} sets ${key}, a credential variable. Agents must never hold credentials (control C2). Fix: remove it; AWS access goes through \`aws_access\`, API keys through the proxy's \`inject\` rules.`,
        );
        continue;
      }
      for (const text of literals(variable.Value)) {
        // The same rule as the policy check: a credential by form, never randomness alone.
        const what = credentialValue(text);
        if (what !== undefined) {
          add(
            `${where} environment variable ${key} looks like ${what}. Agents must never hold credentials (control C2). Fix: remove it and add an \`inject\` rule to the policy so the proxy adds the credential to requests.`,
          );
          break;
        }
      }
    }
    for (const row of AGENT_HARDENING) {
      if ('unavailable' in row.ecs) continue;
      if (AGENT_CONTAINER_ONLY.has(row.id) && name !== options.agentContainerName) continue;
      if (!row.ecs.holds(container)) {
        add(
          `${where} ${row.violation} (${row.control}). Fix: set ${row.ecs.property} to ${row.ecs.expected}; agents get ${row.requirement}.`,
        );
      }
    }
  }
  return problems;
}

/** Registers {@link agentTaskProblems} as a tree validation on `scope`: synth fails on any. */
export function guardAgentTaskDefinition(
  scope: IConstruct,
  taskDefinition: ecs.TaskDefinition,
  options: AgentTaskGuardOptions,
): void {
  scope.node.addValidation({ validate: () => agentTaskProblems(taskDefinition, options) });
}
