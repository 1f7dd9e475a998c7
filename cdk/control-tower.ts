import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as CfnGuard from '@cdklabs/cdk-validator-cfnguard';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { MissingPeerError } from '../lib/peers.js';
import { CONTROL_TOWER_NAMESPACE } from './nag.js';

/*
 * AWS Control Tower's proactive controls as a CDK policy-validation plugin: the cfn-guard
 * binary and the Control Tower rule set shipped in `@cdklabs/cdk-validator-cfnguard`, run over
 * every synthesized template. Where a landing zone enables these controls (CloudFormation
 * hooks), a failing rule blocks `cdk deploy`; here it fails `synth` first.
 */

/** The plugin's name in reports, and the namespace of its acknowledgements. */
export const CONTROL_TOWER_PACK = CONTROL_TOWER_NAMESPACE;

const require = createRequire(import.meta.url);
const VALIDATOR = '@cdklabs/cdk-validator-cfnguard';

/*
 * The validator is an optional peer (only Control Tower landing zones need it), so it is
 * loaded on first use: importing `agent-perimeter/aws` works without it.
 */
let validator: { readonly dir: string; readonly module: typeof CfnGuard } | undefined;

function loadValidator(): NonNullable<typeof validator> {
  if (validator !== undefined) return validator;
  let dir: string;
  try {
    dir = dirname(require.resolve(`${VALIDATOR}/package.json`));
  } catch {
    throw new MissingPeerError(
      "AWS Control Tower's proactive controls (addAgentPerimeterChecks with controlTower: true)",
      VALIDATOR,
      'control-tower',
    );
  }
  validator = { dir, module: require(VALIDATOR) as typeof CfnGuard };
  return validator;
}

function rulesDir(): string {
  return join(loadValidator().dir, 'rules', 'control-tower', 'cfn-guard');
}

/** cfn-guard prints one JSON document per rule file; 64 MiB leaves room for big templates. */
const GUARD_OUTPUT_BUFFER = 64 * 1024 * 1024;

export interface ControlTowerRule {
  /** `ct-ec2-pr-5`. */
  readonly id: string;
  readonly file: string;
  /** Resource types the rule inspects; empty when the file names none (then it always runs). */
  readonly types: readonly string[];
  /** The Control Tower control, e.g. `CT.EC2.PR.5`. */
  readonly control: string;
  /** Guard rule names in the file, as violations report them (`nacl_no_unrestricted_ssh_rdp_check`). */
  readonly ruleNames: readonly string[];
}

let rules: ControlTowerRule[] | undefined;

/** Every Control Tower rule file of the package, with the resource types it inspects. */
export function controlTowerRules(): readonly ControlTowerRule[] {
  const dir = rulesDir();
  rules ??= readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.guard'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      const declared = [...text.matchAll(/^let\s+\w+\s*=\s*["'](AWS::\w+::\w+)["']/gm)];
      const names = [...text.matchAll(/^rule\s+(\w+)\s+when\s+is_cfn_template/gm)];
      return {
        id: f.replace(/^.*\//, '').replace(/\.guard$/, ''),
        file,
        types: [...new Set(declared.map((m) => m[1] as string))],
        control: /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(text)?.[1] ?? '',
        ruleNames: [...new Set(names.map((m) => m[1] as string))],
      };
    });
  return rules;
}

/** CloudFormation resource types in the templates. */
function templateTypes(paths: readonly string[]): Set<string> {
  const types = new Set<string>();
  for (const path of paths) {
    const template = JSON.parse(readFileSync(path, 'utf8')) as {
      Resources?: Record<string, { Type?: string }>;
    };
    for (const resource of Object.values(template.Resources ?? {})) {
      if (typeof resource.Type === 'string') types.add(resource.Type);
    }
  }
  return types;
}

/**
 * The rules that can say anything about these templates. Every rule file starts with
 * `when %<resources of its type> not empty`, so a file whose types are all absent passes by
 * construction; skipping it saves a cfn-guard pass over the template (most of the run time on
 * a 200-resource stack). A file that declares no type always runs.
 */
export function applicableRules(templatePaths: readonly string[]): ControlTowerRule[] {
  const present = templateTypes(templatePaths);
  return controlTowerRules().filter(
    (r) => r.types.length === 0 || r.types.some((t) => present.has(t)),
  );
}

/** The Control Tower rules as a policy-validation plugin named {@link CONTROL_TOWER_PACK}. */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  readonly name = CONTROL_TOWER_PACK;
  readonly version: string;
  readonly ruleIds: string[];

  constructor() {
    this.version = (
      JSON.parse(readFileSync(join(loadValidator().dir, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    this.ruleIds = controlTowerRules().map((r) => r.id);
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const files = applicableRules(context.templatePaths).map((r) => r.file);
    if (files.length === 0) return { success: true, violations: [] };
    const guard = new (loadValidator().module.CfnGuardValidator)({
      controlTowerRulesEnabled: false,
      rules: files,
      maxBuffer: GUARD_OUTPUT_BUFFER,
    });
    return guard.validate(context);
  }
}

/** Runs the Control Tower rules over templates outside an app (tests, reports). */
export function controlTowerReport(templatePaths: readonly string[]): PolicyValidationPluginReport {
  return new ControlTowerChecks().validate({
    templatePaths: [...templatePaths],
  } as IPolicyValidationContext);
}

/** The Control Tower control (`CT.S3.PR.2`) a guard rule name belongs to. */
export function controlOfRule(ruleName: string): string | undefined {
  return controlTowerRules().find((r) => r.ruleNames.includes(ruleName))?.control;
}
