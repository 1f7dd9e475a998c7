import { PROBE_USAGE, probeMain } from '../../lib/probe/cli.js';
import type { Command } from './command.js';

export const probeCommand: Command = {
  name: 'probe',
  summary: 'From inside the agent tier, try every way out (exit 0 blocked, 1 escape, 3 broken).',
  usage: PROBE_USAGE,
  run: (argv, io) => probeMain(argv, io),
};
