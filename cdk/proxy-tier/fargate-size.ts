import { ProxyTierError } from './errors.js';

function steps(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let mib = from; mib <= to; mib += step) out.push(mib);
  return out;
}

/**
 * Memory sizes (MiB) Fargate accepts for each CPU size (CPU units, 1024 = 1 vCPU), Linux tasks.
 * @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, steps(1024, 4096, 1024)],
  [1024, steps(2048, 8192, 1024)],
  [2048, steps(4096, 16384, 1024)],
  [4096, steps(8192, 30720, 1024)],
  [8192, steps(16384, 61440, 4096)],
  [16384, steps(32768, 122880, 8192)],
]);

/** A Fargate task size as the task definition takes it. */
export interface FargateTaskSize {
  /** CPU units (1024 per vCPU). */
  readonly cpu: number;
  readonly memoryMiB: number;
}

/**
 * Maps the policy's `proxy.cpu` (vCPU) and `proxy.memory_mib` to a Fargate task size, or
 * throws naming the memory sizes Fargate accepts for that CPU.
 */
export function fargateTaskSize(vcpu: number, memoryMiB: number): FargateTaskSize {
  const cpu = Math.round(vcpu * 1024);
  const memory = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (memory === undefined) {
    const sizes = [...FARGATE_MEMORY_BY_CPU.keys()].map((units) => units / 1024).join(', ');
    throw new ProxyTierError(
      `proxy.cpu ${vcpu} vCPU is not a Fargate task size. Fix: use one of ${sizes} vCPU.`,
    );
  }
  if (!memory.includes(memoryMiB)) {
    throw new ProxyTierError(
      `proxy.memory_mib ${memoryMiB} does not fit proxy.cpu ${vcpu} vCPU on Fargate. Fix: set proxy.memory_mib to one of ${memory.join(', ')} (the sizes Fargate accepts with ${vcpu} vCPU), or change proxy.cpu.`,
    );
  }
  return { cpu, memoryMiB };
}
