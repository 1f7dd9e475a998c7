import { splitCidr } from '../addresses.js';
import type { CfnTemplate } from './template.js';
import { isRecord, NoValue, Opaque, Ref, type Value } from './values.js';

/** Imports and parameters the user declared trusted (by export name / parameter name). */
export interface Trust {
  readonly imports: ReadonlySet<string>;
  readonly parameters: ReadonlySet<string>;
}

/**
 * One assignment of what the template leaves open: parameter values (from `AllowedValues`)
 * and the outcome of conditions that compare deploy-time values (`leaves`, keyed by the
 * comparison).
 */
export interface World {
  readonly parameters: ReadonlyMap<string, Value>;
  readonly leaves: ReadonlyMap<string, boolean>;
}

const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::NotificationARNs',
]);

/** `Fn::GetAtt` attributes that are just a property of the resource. */
const ATTRIBUTE_PROPERTIES: Record<string, Record<string, string>> = {
  'AWS::EC2::VPC': { CidrBlock: 'CidrBlock', VpcId: '', DefaultNetworkAcl: '!' },
  'AWS::EC2::Subnet': { CidrBlock: 'CidrBlock', SubnetId: '', VpcId: 'VpcId' },
  'AWS::EC2::SecurityGroup': { GroupId: '', VpcId: 'VpcId' },
  'AWS::EC2::NetworkInterface': { Id: '' },
  'AWS::EC2::RouteTable': { RouteTableId: '' },
  'AWS::EC2::NetworkAcl': { Id: '' },
  'AWS::EC2::PrefixList': { PrefixListId: '', Arn: '' },
  'AWS::EC2::VPCEndpoint': { Id: '' },
  'AWS::EC2::EIP': { AllocationId: '', PublicIp: '' },
  'AWS::EC2::NatGateway': { NatGatewayId: '' },
  'AWS::EC2::InternetGateway': { InternetGatewayId: '' },
  'AWS::EC2::TransitGateway': { Id: '' },
  'AWS::Route53Resolver::FirewallRuleGroup': { Id: '' },
  'AWS::Route53Resolver::FirewallDomainList': { Id: '' },
};

const START = '\uE000';
const END = '\uE001';
const TOKEN = /\uE000(\d+)\uE001/g;
const WHOLE_TOKEN = /^\uE000(\d+)\uE001$/;

type Resolved = Value | NoValue;

/**
 * Evaluates CloudFormation intrinsic functions for one {@link World}. Resource references
 * become {@link Ref}s, values the template does not determine become {@link Opaque}s, and
 * strings built from either carry private-use placeholders so `Fn::Split`/`Fn::Select` can
 * take them apart again. Each resource's properties are resolved once (memoized).
 */
export class Resolver {
  private readonly tokens: (Ref | Opaque)[] = [];
  private readonly tokenIndex = new Map<string, number>();
  private readonly props = new Map<string, Record<string, Value>>();
  private readonly conditions = new Map<string, boolean | undefined>();
  private readonly inProgress = new Set<string>();
  /** Comparisons of deploy-time values met while evaluating conditions (key -> label). */
  readonly unknownLeaves = new Map<string, string>();
  /** Those of `unknownLeaves` that compare only values the user trusts. */
  readonly trustedLeaves = new Set<string>();

  constructor(
    readonly template: CfnTemplate,
    readonly world: World,
    readonly trust: Trust,
  ) {}

  /** Whether the resource exists in this world (its Condition holds). */
  exists(id: string): boolean {
    const r = this.template.Resources[id];
    if (r === undefined) return false;
    if (r.Condition === undefined) return true;
    return this.condition(r.Condition) !== false;
  }

  typeOf(id: string): string | undefined {
    return this.template.Resources[id]?.Type;
  }

  /** The resolved properties of a resource. */
  properties(id: string): Record<string, Value> {
    const cached = this.props.get(id);
    if (cached !== undefined) return cached;
    if (this.inProgress.has(id)) return {};
    this.inProgress.add(id);
    const raw = this.template.Resources[id]?.Properties ?? {};
    const resolved = this.resolve(raw);
    this.inProgress.delete(id);
    const out = isRecord(resolved) ? (resolved as Record<string, Value>) : {};
    this.props.set(id, out);
    return out;
  }

  resolve(v: unknown): Resolved {
    if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) {
      const out: Value[] = [];
      for (const item of v) {
        const r = this.resolve(item);
        if (!(r instanceof NoValue)) out.push(r);
      }
      return out;
    }
    if (typeof v !== 'object') return null;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, unknown];
      if (key === 'Ref') return this.ref(arg);
      if (key.startsWith('Fn::')) return this.intrinsic(key, arg);
    }
    const out: Record<string, Value> = {};
    for (const [k, item] of entries) {
      const r = this.resolve(item);
      if (!(r instanceof NoValue)) out[k] = r;
    }
    return out;
  }

  /** Resolves and drops `AWS::NoValue` (as `undefined`). */
  value(v: unknown): Value | undefined {
    const r = this.resolve(v);
    return r instanceof NoValue ? undefined : r;
  }

  private ref(arg: unknown): Resolved {
    const name = this.value(arg);
    if (typeof name !== 'string')
      return this.opaque('ref:?', 'Ref', 'uses a Ref the verifier cannot evaluate');
    if (name === 'AWS::NoValue') return NoValue.instance;
    if (PSEUDO.has(name)) {
      return this.opaque(
        `pseudo:${name}`,
        name,
        'is only known at deploy time',
        this.trust.parameters.has(name),
      );
    }
    const param = this.template.Parameters?.[name];
    if (param !== undefined) return this.parameter(name, param.Type);
    if (this.template.Resources[name] !== undefined) return new Ref(name);
    return this.opaque(
      `ref:${name}`,
      name,
      `refers to "${name}", which is not defined in the template`,
    );
  }

  private parameter(name: string, type: string | undefined): Value {
    const chosen = this.world.parameters.get(name);
    if (chosen !== undefined) return chosen;
    const trusted = this.trust.parameters.has(name);
    return new Opaque(
      `param:${name}`,
      `parameter ${name}`,
      `is a deploy-time input${type === undefined ? '' : ` (${type})`} that can be anything: a default is only a suggestion (give the parameter AllowedValues, or trust it with --trust-parameter ${name})`,
      trusted,
    );
  }

  private opaque(key: string, label: string, why: string, trusted = false): Opaque {
    return new Opaque(key, label, why, trusted);
  }

  private derived(from: Opaque, suffix: string): Opaque {
    return new Opaque(`${from.key}${suffix}`, from.label, from.why, from.trusted);
  }

  private intrinsic(fn: string, arg: unknown): Resolved {
    switch (fn) {
      case 'Fn::GetAtt':
        return this.getAtt(arg);
      case 'Fn::Join':
        return this.join(arg);
      case 'Fn::Select':
        return this.select(arg);
      case 'Fn::Split':
        return this.split(arg);
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::If':
        return this.fnIf(arg);
      case 'Fn::ImportValue':
        return this.importValue(arg);
      case 'Fn::FindInMap':
        return this.findInMap(arg);
      case 'Fn::GetAZs':
        return this.opaque(
          'azs',
          'Fn::GetAZs',
          'is the list of Availability Zones, known at deploy time',
        );
      case 'Fn::Base64':
        return this.resolve(arg);
      case 'Fn::Cidr':
        return this.cidr(arg);
      case 'Fn::Length': {
        const list = this.value(arg);
        return Array.isArray(list)
          ? list.length
          : this.opaque(
              `len:${JSON.stringify(arg)}`,
              'Fn::Length',
              'is a length known only at deploy time',
            );
      }
      case 'Fn::ToJsonString':
        return this.toJson(this.value(arg) ?? null);
      default:
        return this.opaque(
          `fn:${fn}:${JSON.stringify(arg)}`,
          fn,
          `uses ${fn}, which the verifier does not evaluate`,
        );
    }
  }

  private getAtt(arg: unknown): Resolved {
    let id: unknown;
    let attr: unknown;
    if (typeof arg === 'string') {
      const dot = arg.indexOf('.');
      id = arg.slice(0, dot);
      attr = arg.slice(dot + 1);
    } else if (Array.isArray(arg)) {
      id = arg[0];
      attr = this.value(arg[1]);
    }
    if (typeof id !== 'string' || typeof attr !== 'string') {
      return this.opaque(
        `getatt:${JSON.stringify(arg)}`,
        'Fn::GetAtt',
        'uses an Fn::GetAtt the verifier cannot read',
      );
    }
    const type = this.typeOf(id);
    if (type === undefined) {
      return this.opaque(
        `getatt:${id}.${attr}`,
        `${id}.${attr}`,
        `refers to "${id}", which is not defined in the template`,
      );
    }
    const property = ATTRIBUTE_PROPERTIES[type]?.[attr];
    if (property === '') return new Ref(id);
    if (property !== undefined && property !== '!') {
      const props = this.properties(id);
      const v = props[property];
      if (v !== undefined) return v;
    }
    return new Ref(id, attr);
  }

  /** A placeholder for a reference inside a string. */
  token(v: Ref | Opaque): string {
    const key = v instanceof Ref ? `ref:${v.label}` : `opaque:${v.key}`;
    let i = this.tokenIndex.get(key);
    if (i === undefined) {
      i = this.tokens.length;
      this.tokens.push(v);
      this.tokenIndex.set(key, i);
    }
    return `${START}${i}${END}`;
  }

  /** Turns a string that is exactly one placeholder back into its value. */
  decode(s: string): Value {
    const m = WHOLE_TOKEN.exec(s);
    if (m === null) return s;
    return this.tokens[Number(m[1])] ?? s;
  }

  /** The opaque values a string was built from. */
  opaquesIn(s: string): Opaque[] {
    const out: Opaque[] = [];
    for (const m of s.matchAll(TOKEN)) {
      const t = this.tokens[Number(m[1])];
      if (t instanceof Opaque) out.push(t);
    }
    return out;
  }

  /** The resource references a string was built from. */
  refsIn(s: string): Ref[] {
    const out: Ref[] = [];
    for (const m of s.matchAll(TOKEN)) {
      const t = this.tokens[Number(m[1])];
      if (t instanceof Ref) out.push(t);
    }
    return out;
  }

  /** Whether a string contains any placeholder. */
  hasTokens(s: string): boolean {
    return s.includes(START);
  }

  /** Text for messages: placeholders become `<AWS-Region>`, `<LogicalId>`. */
  display(v: Value | undefined): string {
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') {
      return v.replace(TOKEN, (_, i: string) => {
        const t = this.tokens[Number(i)];
        return t === undefined ? '' : `<${shortName(t)}>`;
      });
    }
    if (v instanceof Ref || v instanceof Opaque) return `<${shortName(v)}>`;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v, (_k, x) =>
      x instanceof Ref || x instanceof Opaque ? `<${shortName(x)}>` : x,
    );
  }

  private part(v: Value): string | undefined {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v === null) return '';
    if (v instanceof Ref || v instanceof Opaque) return this.token(v);
    return undefined;
  }

  private join(arg: unknown): Resolved {
    if (!Array.isArray(arg) || arg.length !== 2) return this.bad('Fn::Join', arg);
    const delimiter = this.value(arg[0]);
    const list = this.value(arg[1]);
    if (list instanceof Opaque) return this.derived(list, ':join');
    if (typeof delimiter !== 'string' || !Array.isArray(list)) return this.bad('Fn::Join', arg);
    const parts: string[] = [];
    for (const item of list) {
      const p = this.part(item);
      if (p === undefined) return this.bad('Fn::Join', arg);
      parts.push(p);
    }
    return this.decode(parts.join(delimiter));
  }

  private split(arg: unknown): Resolved {
    if (!Array.isArray(arg) || arg.length !== 2) return this.bad('Fn::Split', arg);
    const delimiter = this.value(arg[0]);
    const source = this.value(arg[1]);
    if (source instanceof Opaque) return this.derived(source, ':split');
    const text = source === undefined ? undefined : this.part(source);
    if (typeof delimiter !== 'string' || text === undefined) return this.bad('Fn::Split', arg);
    const opaque = this.opaquesIn(text)[0];
    // An opaque piece may itself contain the delimiter: the number of items is unknown.
    if (opaque !== undefined) return this.derived(opaque, ':split');
    return text.split(delimiter).map((s) => this.decode(s));
  }

  private select(arg: unknown): Resolved {
    if (!Array.isArray(arg) || arg.length !== 2) return this.bad('Fn::Select', arg);
    const index = this.value(arg[0]);
    const list = this.value(arg[1]);
    if (list instanceof Opaque) return this.derived(list, `[${String(index)}]`);
    if (!Array.isArray(list)) return this.bad('Fn::Select', arg);
    const i =
      typeof index === 'number' ? index : typeof index === 'string' ? Number(index) : Number.NaN;
    if (!Number.isInteger(i)) {
      const first = JSON.stringify(list[0]);
      if (list.length > 0 && list.every((x) => JSON.stringify(x) === first))
        return list[0] as Value;
      return this.opaque(
        `select:${JSON.stringify(arg)}`,
        'Fn::Select',
        'selects with an index known only at deploy time',
      );
    }
    const item = list[i];
    return item === undefined ? this.bad('Fn::Select', arg) : item;
  }

  private sub(arg: unknown): Resolved {
    const [template, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    if (typeof template !== 'string') return this.bad('Fn::Sub', arg);
    const variables = isRecord(vars) ? vars : {};
    const text = template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      const trimmed = name.trim();
      let v: Value | undefined;
      if (trimmed in variables) v = this.value(variables[trimmed]);
      else if (trimmed.includes('.')) {
        const dot = trimmed.indexOf('.');
        v = this.value({ 'Fn::GetAtt': [trimmed.slice(0, dot), trimmed.slice(dot + 1)] });
      } else v = this.value({ Ref: trimmed });
      const p = v === undefined ? '' : this.part(v);
      return p ?? whole;
    });
    return this.decode(text);
  }

  private fnIf(arg: unknown): Resolved {
    if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') {
      return this.bad('Fn::If', arg);
    }
    const c = this.condition(arg[0]);
    if (c === undefined) {
      return this.opaque(
        `if:${arg[0]}`,
        `Fn::If ${arg[0]}`,
        `depends on condition ${arg[0]}, which the verifier could not decide`,
      );
    }
    return this.resolve(c ? arg[1] : arg[2]);
  }

  private importValue(arg: unknown): Resolved {
    const name = this.value(arg);
    const text = name === undefined ? '' : this.display(name);
    const trusted = this.trust.imports.has(text);
    return this.opaque(
      `import:${text}`,
      `Fn::ImportValue "${text}"`,
      `is exported by another stack, which this template cannot see (once that stack is verified, trust the export with --trust-import ${text} or the CDK context agent-perimeter:trustedImports)`,
      trusted,
    );
  }

  private findInMap(arg: unknown): Resolved {
    if (!Array.isArray(arg) || arg.length < 3) return this.bad('Fn::FindInMap', arg);
    const [map, top, second] = [this.value(arg[0]), this.value(arg[1]), this.value(arg[2])];
    const fallback = isRecord(arg[3])
      ? (arg[3] as Record<string, unknown>).DefaultValue
      : undefined;
    const mapping = typeof map === 'string' ? this.template.Mappings?.[map] : undefined;
    if (mapping === undefined) return this.bad('Fn::FindInMap', arg);
    const literal = (v: Value | undefined): v is string =>
      typeof v === 'string' && !this.hasTokens(v);
    if (literal(top) && literal(second)) {
      const found = mapping[top]?.[second];
      if (found !== undefined) return this.resolve(found);
      return fallback === undefined ? this.bad('Fn::FindInMap', arg) : this.resolve(fallback);
    }
    const candidates = Object.values(mapping)
      .flatMap((entry) => (literal(second) ? [entry[second]] : Object.values(entry)))
      .filter((x) => x !== undefined)
      .map((x) => JSON.stringify(x));
    if (candidates.length > 0 && candidates.every((x) => x === candidates[0])) {
      return this.resolve(JSON.parse(candidates[0] as string));
    }
    return this.opaque(
      `map:${JSON.stringify(arg)}`,
      `Fn::FindInMap ${String(map)}`,
      `is looked up in mapping ${String(map)} with a key known only at deploy time`,
    );
  }

  private cidr(arg: unknown): Resolved {
    if (!Array.isArray(arg) || arg.length !== 3) return this.bad('Fn::Cidr', arg);
    const [block, count, bits] = arg.map((x) => this.value(x));
    const n = Number(count);
    const b = Number(bits);
    if (
      typeof block === 'string' &&
      !this.hasTokens(block) &&
      Number.isInteger(n) &&
      Number.isInteger(b)
    ) {
      const out = splitCidr(block, n, b);
      if (out !== undefined) return out;
    }
    if (block instanceof Opaque) return this.derived(block, ':cidr');
    return this.opaque(
      `cidr:${JSON.stringify(arg)}`,
      'Fn::Cidr',
      'is a Fn::Cidr of a block known only at deploy time',
    );
  }

  private toJson(v: Value): string {
    return JSON.stringify(v, (_k, x) =>
      x instanceof Ref || x instanceof Opaque ? this.token(x) : x,
    );
  }

  private bad(fn: string, arg: unknown): Opaque {
    return this.opaque(
      `bad:${fn}:${JSON.stringify(arg)}`,
      fn,
      `uses ${fn} in a form the verifier cannot evaluate`,
    );
  }

  // --- conditions ---------------------------------------------------------------------------

  /** A named condition: true, false, or undefined when it depends on an unassigned leaf. */
  condition(name: string): boolean | undefined {
    if (this.conditions.has(name)) return this.conditions.get(name);
    this.conditions.set(name, undefined);
    const expr = this.template.Conditions?.[name];
    const result = expr === undefined ? undefined : this.evaluate(expr);
    this.conditions.set(name, result);
    return result;
  }

  private evaluate(expr: unknown): boolean | undefined {
    if (typeof expr === 'boolean') return expr;
    if (expr === 'true' || expr === 'false') return expr === 'true';
    if (!isRecord(expr)) return undefined;
    const [key, arg] = Object.entries(expr)[0] ?? [];
    const args = Array.isArray(arg) ? arg : [];
    switch (key) {
      case 'Condition':
        return typeof arg === 'string' ? this.condition(arg) : undefined;
      case 'Fn::Not': {
        const v = this.evaluate(args[0]);
        return v === undefined ? undefined : !v;
      }
      case 'Fn::And': {
        const vs = args.map((a) => this.evaluate(a));
        if (vs.includes(false)) return false;
        return vs.includes(undefined) ? undefined : true;
      }
      case 'Fn::Or': {
        const vs = args.map((a) => this.evaluate(a));
        if (vs.includes(true)) return true;
        return vs.includes(undefined) ? undefined : false;
      }
      case 'Fn::Equals':
        return this.equals(args[0], args[1]);
      default:
        return undefined;
    }
  }

  private equals(a: unknown, b: unknown): boolean | undefined {
    const ra = this.value(a) ?? null;
    const rb = this.value(b) ?? null;
    const ka = this.comparable(ra);
    const kb = this.comparable(rb);
    if (ka.known && kb.known) return ka.text === kb.text;
    if (ka.text === kb.text) return true;
    const key = `eq:${[ka.text, kb.text].sort().join('==')}`;
    if (this.onlyTrusted(ra) && this.onlyTrusted(rb)) this.trustedLeaves.add(key);
    const assigned = this.world.leaves.get(key);
    if (assigned !== undefined) return assigned;
    this.unknownLeaves.set(key, `${this.display(ra)} equals ${this.display(rb)}`);
    return undefined;
  }

  /** Whether every deploy-time value inside `v` is one the user trusts. */
  private onlyTrusted(v: Value): boolean {
    const opaques: Opaque[] = [];
    const collect = (x: Value): void => {
      if (x instanceof Opaque) opaques.push(x);
      else if (typeof x === 'string') opaques.push(...this.opaquesIn(x));
      else if (Array.isArray(x)) for (const y of x) collect(y);
      else if (isRecord(x)) for (const y of Object.values(x as Record<string, Value>)) collect(y);
    };
    collect(v);
    return opaques.every((o) => o.trusted);
  }

  private comparable(v: Value): { known: boolean; text: string } {
    const text = this.display(v);
    const deep = (x: Value): boolean => {
      if (x instanceof Opaque) return true;
      if (typeof x === 'string') return this.opaquesIn(x).length > 0;
      if (Array.isArray(x)) return x.some(deep);
      if (isRecord(x)) return Object.values(x as Record<string, Value>).some(deep);
      return false;
    };
    return { known: !deep(v), text };
  }
}

function shortName(v: Ref | Opaque): string {
  if (v instanceof Ref) {
    return v.attribute === undefined
      ? v.logicalId
      : `${v.logicalId}-${v.attribute.replace(/[^A-Za-z0-9]+/g, '_')}`;
  }
  return v.key
    .replace(/^pseudo:/, '')
    .replace(/::/g, '-')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .slice(0, 60);
}
