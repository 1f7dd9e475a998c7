/*
 * The hardening every agent container gets, one row per property: what the guide's control
 * asks, how each platform says it, and the test for it. The AWS task definition, its
 * synth-time guard, the cdk-nag rules, the Cloud Run components and the local compose writer
 * all read these rows, so a builder and its checker cannot disagree.
 */

import type { Json, JsonObject } from '../json.js';

/** A property as ECS writes it in a container definition, with the test for its value. */
export interface EcsProperty {
  /** Path in the container definition, CloudFormation spelling (`LinuxParameters.Capabilities`). */
  readonly property: string;
  /** What the value must be, in words for messages. */
  readonly expected: string;
  /** Whether a container definition (CloudFormation or CDK L1 spelling) satisfies it. */
  readonly holds: (container: unknown) => boolean;
}

export interface HardeningRow {
  readonly id: HardeningId;
  /** The guide's control. */
  readonly control: string;
  /** What the control asks, as a noun phrase: "a read-only root filesystem". */
  readonly requirement: string;
  /** A container that breaks it, as a predicate: "has a writable root filesystem". */
  readonly violation: string;
  /** ECS on Fargate; `unavailable` says why a property cannot be set there. */
  readonly ecs: EcsProperty | { readonly unavailable: string };
  /** Docker Compose service keys that give it; `fromProfile` when a profile value sets it. */
  readonly compose: { readonly set: JsonObject } | { readonly fromProfile: string };
  /** Cloud Run: what gives it there, or why nothing can. */
  readonly cloudRun: { readonly by: string } | { readonly unavailable: string };
}

export type HardeningId =
  | 'read-only-root'
  | 'non-root-user'
  | 'capabilities-dropped'
  | 'not-privileged'
  | 'no-new-privileges'
  | 'default-seccomp'
  | 'init-process'
  | 'kernel-sandbox';

/** A property in CloudFormation (PascalCase) or CDK L1 (camelCase) spelling, by dotted path. */
export function containerProperty(container: unknown, path: string): unknown {
  let current = container;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    const o = current as Record<string, unknown>;
    current = o[key] ?? o[key.charAt(0).toLowerCase() + key.slice(1)];
  }
  return current;
}

const ROOT = new Set(['0', 'root']);

/** Whether `user` (`uid`, `uid:gid`, `name:group`) names neither the root user nor group. */
export function isNonRootUser(user: unknown): boolean {
  if (typeof user !== 'string' || user.trim() === '') return false;
  const [uid = '', gid] = user.trim().split(':');
  return !ROOT.has(uid) && (gid === undefined || !ROOT.has(gid));
}

/**
 * The ECS test of one property: `test` judges the value found at `property`, so the path the
 * messages name is the path the test reads.
 */
function ecsProperty(
  property: string,
  expected: string,
  test: (value: unknown) => boolean,
): EcsProperty {
  return { property, expected, holds: (c) => test(containerProperty(c, property)) };
}

/** Whether `LinuxParameters.Capabilities` drops ALL and adds none back. */
function dropsAll(capabilities: unknown): boolean {
  const drop = containerProperty(capabilities, 'Drop');
  const add = containerProperty(capabilities, 'Add');
  const all =
    Array.isArray(drop) && drop.some((c) => typeof c === 'string' && c.toUpperCase() === 'ALL');
  return all && (add === undefined || (Array.isArray(add) && add.length === 0));
}

/** Cloud Run's execution environment that runs every instance in gVisor. */
export const CLOUD_RUN_SANDBOXED = 'EXECUTION_ENVIRONMENT_GEN1';

export const AGENT_HARDENING: readonly HardeningRow[] = [
  {
    id: 'read-only-root',
    control: 'C8',
    requirement: 'a read-only root filesystem',
    violation: 'has a writable root filesystem',
    ecs: ecsProperty('ReadonlyRootFilesystem', 'true', (v) => v === true),
    compose: { set: { read_only: true } },
    cloudRun: { unavailable: 'Cloud Run has no read-only root; its filesystem is in memory' },
  },
  {
    id: 'non-root-user',
    control: 'C12',
    requirement: 'a non-root user',
    violation: 'runs as root',
    ecs: ecsProperty('User', 'a non-root "uid:gid" such as 1000:1000', isNonRootUser),
    compose: { fromProfile: 'user' },
    cloudRun: { by: "the image's USER (Cloud Run has no user override)" },
  },
  {
    id: 'capabilities-dropped',
    control: 'C5',
    requirement: 'every Linux capability dropped and none added',
    violation: 'does not drop every Linux capability or adds some back',
    ecs: ecsProperty('LinuxParameters.Capabilities', 'Drop ["ALL"] and no Add', dropsAll),
    compose: { set: { cap_drop: ['ALL'] } },
    cloudRun: { by: 'the gVisor sandbox (capabilities apply inside it only)' },
  },
  {
    id: 'not-privileged',
    control: 'C3',
    requirement: 'no privileged mode',
    violation: 'is privileged',
    ecs: ecsProperty('Privileged', 'false or absent', (v) => v !== true),
    compose: { set: { privileged: false } },
    cloudRun: { by: 'Cloud Run (no privileged containers)' },
  },
  {
    id: 'no-new-privileges',
    control: 'C6',
    requirement: 'no-new-privileges',
    violation: 'may gain privileges (setuid binaries)',
    ecs: { unavailable: 'Fargate has no no-new-privileges setting' },
    compose: { set: { security_opt: ['no-new-privileges:true'] } },
    cloudRun: { by: 'the gVisor sandbox' },
  },
  {
    id: 'default-seccomp',
    control: 'C7',
    requirement: 'the default seccomp profile or a stricter one',
    violation: 'runs without a seccomp profile',
    ecs: { unavailable: "Fargate applies its runtime's default profile; there is no choice" },
    // Docker's default profile applies unless a service asks for `seccomp=unconfined`.
    compose: { set: {} },
    cloudRun: { by: 'the gVisor sandbox' },
  },
  {
    id: 'init-process',
    control: 'C11',
    requirement: 'an init process as PID 1 (reaps zombies, so the process limit holds)',
    violation: 'has no init process',
    ecs: ecsProperty('LinuxParameters.InitProcessEnabled', 'true', (v) => v === true),
    compose: { set: { init: true } },
    cloudRun: { by: "the image's entrypoint" },
  },
  {
    id: 'kernel-sandbox',
    control: 'C14',
    requirement: 'a kernel the agent does not share with the host',
    violation: 'shares the host kernel',
    ecs: { unavailable: 'Fargate isolates each task in its own microVM, with no runtime choice' },
    compose: { fromProfile: 'runtime (runsc with --runtime runsc)' },
    cloudRun: { by: CLOUD_RUN_SANDBOXED },
  },
];

/** One row by id. */
export function hardening(id: HardeningId): HardeningRow {
  const row = AGENT_HARDENING.find((r) => r.id === id);
  if (row === undefined) throw new Error(`no hardening row ${id}`);
  return row;
}

/** The ECS test of a row (every row the AWS guard and nag rules use has one). */
export function ecsCheck(id: HardeningId): EcsProperty {
  const { ecs } = hardening(id);
  if ('unavailable' in ecs) throw new Error(`hardening row ${id} has no ECS property`);
  return ecs;
}

/** The compose keys every container gets from the table (profile-specific rows aside). */
export function composeHardening(): JsonObject {
  const out: Record<string, Json> = {};
  for (const row of AGENT_HARDENING) if ('set' in row.compose) Object.assign(out, row.compose.set);
  return out;
}
