import type { AgentProfile } from '../../lib/policy/index.js';
import { FARGATE_MEMORY_BY_CPU } from '../proxy-tier/fargate-size.js';
import { AgentWorkloadError } from './errors.js';

/** Fargate gives every task this much ephemeral storage unless the task asks for more. */
export const FARGATE_DEFAULT_STORAGE_GIB = 20;
/** The most ephemeral storage a Fargate task can have. */
export const FARGATE_MAX_STORAGE_GIB = 200;
/** Room left for the image's unpacked layers when the storage size is derived from scratch. */
export const IMAGE_ALLOWANCE_GIB = 10;

/** The Fargate task size of one agent profile. */
export interface AgentTaskSize {
  /** CPU units (1024 per vCPU). */
  readonly cpu: number;
  readonly memoryMiB: number;
  /**
   * Ephemeral storage to request, or undefined for Fargate's default 20 GiB. It holds the
   * image and every scratch volume: Fargate cannot cap one volume, so this is the only bound.
   */
  readonly ephemeralStorageGiB: number | undefined;
  /** Storage the task will have (`ephemeralStorageGiB` or the 20 GiB default). */
  readonly storageGiB: number;
  /** Sum of the profile's scratch sizes. */
  readonly scratchMiB: number;
}

/**
 * Checks one profile against what Fargate can run and derives its task size. `where` names the
 * profile in messages, e.g. `agents[0]`.
 */
export function agentTaskSize(profile: AgentProfile, where: string): AgentTaskSize {
  const cpu = Math.round(profile.cpu * 1024);
  const memory = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (memory === undefined) {
    const sizes = [...FARGATE_MEMORY_BY_CPU.keys()].map((units) => units / 1024).join(', ');
    throw new AgentWorkloadError(
      `${where}.cpu ${profile.cpu} vCPU is not a Fargate task size. Fix: use one of ${sizes} vCPU.`,
    );
  }
  if (!memory.includes(profile.memory_mib)) {
    throw new AgentWorkloadError(
      `${where}.memory_mib ${profile.memory_mib} does not fit ${where}.cpu ${profile.cpu} vCPU on Fargate. Fix: set ${where}.memory_mib to one of ${memory.join(', ')} (the sizes Fargate accepts with ${profile.cpu} vCPU), or change ${where}.cpu.`,
    );
  }
  const scratchMiB = profile.scratch.reduce((sum, s) => sum + s.size_mib, 0);
  const scratchGiB = Math.ceil(scratchMiB / 1024);
  if (scratchGiB + 1 > FARGATE_MAX_STORAGE_GIB) {
    throw new AgentWorkloadError(
      `${where}.scratch adds up to ${scratchMiB} MiB, but a Fargate task has at most ${FARGATE_MAX_STORAGE_GIB} GiB of ephemeral storage for the image and all scratch volumes together. Fix: shrink the scratch sizes to leave room for the image.`,
    );
  }
  const asked = profile.ephemeral_storage_gib;
  if (asked !== undefined && asked <= scratchGiB) {
    throw new AgentWorkloadError(
      `${where}.ephemeral_storage_gib ${asked} does not exceed the scratch total (${scratchMiB} MiB, ${scratchGiB} GiB rounded up), leaving no room for the image. Fix: raise it to at least ${scratchGiB + 1} (plus the unpacked image size), or shrink the scratch volumes.`,
    );
  }
  const ephemeralStorageGiB = asked ?? derivedStorageGiB(scratchGiB);
  return {
    cpu,
    memoryMiB: profile.memory_mib,
    ephemeralStorageGiB,
    storageGiB: ephemeralStorageGiB ?? FARGATE_DEFAULT_STORAGE_GIB,
    scratchMiB,
  };
}

/** Storage for the scratch volumes and the image, or undefined when Fargate's default holds both. */
function derivedStorageGiB(scratchGiB: number): number | undefined {
  const needed = Math.min(FARGATE_MAX_STORAGE_GIB, scratchGiB + IMAGE_ALLOWANCE_GIB);
  return needed > FARGATE_DEFAULT_STORAGE_GIB ? needed : undefined;
}
