// The Pulumi program (`main` in Pulumi.yaml): `pulumi up` and `pulumi preview` call the default
// export, and its result becomes the stack outputs. Pulumi refuses an ESM entry module with
// both a default and named exports, so this file exports nothing else; the program itself is
// in bin/gcp-program.ts.
import * as pulumi from '@pulumi/pulumi';
import { buildGcpProgram, type GcpProgramOutputs, readProgramConfig } from '../app/gcp-program.js';
import { UserError } from '../lib/errors.js';

export default async function program(): Promise<GcpProgramOutputs> {
  try {
    const { perimeter, outputs } = buildGcpProgram(readProgramConfig());
    for (const warning of perimeter.warnings) await pulumi.log.warn(warning, perimeter);
    return outputs;
  } catch (error) {
    // Pulumi prints a RunError's message without a stack trace, like the CLI does.
    if (error instanceof UserError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
