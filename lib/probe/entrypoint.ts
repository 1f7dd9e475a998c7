// The probe as a container entrypoint, with nothing but Node's built-ins:
//   node --input-type=module --eval "$(agent-perimeter's probe bundle)" -- --proxy HOST:PORT --jsonl
// `lib/probe/bundle.ts` builds that one-file program from this module.
import { probeMain } from './cli.js';

const write = (stream: NodeJS.WriteStream) => (text: string) =>
  stream.write(text.endsWith('\n') ? text : `${text}\n`);

const code = await probeMain(process.argv.slice(1), {
  out: write(process.stdout),
  err: write(process.stderr),
});
// Lookups still queued in the resolver's thread pool must not hold the task open.
process.stdout.write('', () => process.exit(code));
