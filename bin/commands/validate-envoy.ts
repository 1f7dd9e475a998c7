import { readFileSync } from 'node:fs';
import { parseDocument, type YAMLError } from 'yaml';
import { formatProblems, UserError } from '../../lib/errors.js';
import { missingOrDirectory } from '../../lib/read-error.js';
import {
  BOOTSTRAP_TYPE,
  UnknownEnvoyTypeError,
  validateEnvoyConfig,
} from '../../proxy/validate/index.js';
import { usageError } from './args.js';
import { type Command, defineCommand } from './command.js';

export const validateEnvoyCommand: Command = defineCommand({
  name: 'validate-envoy',
  summary: "Check an Envoy config file against Envoy's v3 API (exit 0 valid, 1 invalid).",
  usage: `Usage: agent-perimeter validate-envoy FILE [--type TYPE]

Checks FILE (YAML or JSON) against Envoy's own v3 API definitions the way Envoy loads it:
unknown fields, value types, enums, Durations, typed_config by "@type", oneofs, the
protoc-gen-validate rules and deprecated fields. Prints every issue, one per line.
Exit 0 when valid, 1 when not, 2 when FILE cannot be read or is not YAML.

Options:
  --type TYPE   message type of FILE (default: ${BOOTSTRAP_TYPE}),
                e.g. envoy.config.cluster.v3.Cluster`,
  options: { type: { type: 'string' } },
  // The Envoy config to check.
  positionals: 1,
  async run({ positionals, values }, io) {
    const file = positionals[0];
    if (file === undefined) {
      throw usageError('validate-envoy', 'missing FILE.');
    }
    const typeName = values.type ?? BOOTSTRAP_TYPE;
    const config = readConfig(file);
    let issues: ReturnType<typeof validateEnvoyConfig>;
    try {
      issues = validateEnvoyConfig(config, typeName);
    } catch (error) {
      if (!(error instanceof UnknownEnvoyTypeError)) throw error;
      throw new UserError(
        `agent-perimeter validate-envoy: --type ${typeName} is not a message type of Envoy's v3 API (e.g. ${BOOTSTRAP_TYPE}).`,
      );
    }
    if (issues.length === 0) {
      io.out(`${file}: valid Envoy v3 ${typeName}`);
      return 0;
    }
    io.out(formatProblems(issues, file));
    return 1;
  },
});

/** The file as plain JSON-like data; UserError when it can't be read or parsed. */
function readConfig(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = missingOrDirectory(error) ?? (error as Error).message;
    throw new UserError(`${file}: cannot read: ${reason}.`);
  }
  // YAML 1.2 is a superset of JSON. `merge` because Envoy's YAML loader honours `<<:` keys.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    throw new UserError(doc.errors.map((e) => yamlError(file, e)).join('\n'));
  }
  try {
    return doc.toJS();
  } catch (error) {
    // e.g. an alias bomb: "Excessive alias count indicates a resource exhaustion attack"
    throw new UserError(`${file}: invalid YAML: ${(error as Error).message}`);
  }
}

/** `file:3:7: YAML syntax error: <what>` followed by the offending line and a caret. */
function yamlError(file: string, error: YAMLError): string {
  const pos = error.linePos?.[0];
  const where = pos === undefined ? file : `${file}:${pos.line}:${pos.col}`;
  const [first = '', ...context] = error.message.split('\n');
  const what = first.replace(/ at line \d+, column \d+:?$/, '');
  const snippet = context.filter((line) => line.trim() !== '').map((line) => `  ${line}`);
  return [`${where}: YAML syntax error: ${what}`, ...snippet].join('\n');
}
