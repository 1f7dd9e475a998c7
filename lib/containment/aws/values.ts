/** A reference to a resource of the template: `Ref` (no attribute) or `Fn::GetAtt`. */
export class Ref {
  constructor(
    readonly logicalId: string,
    readonly attribute?: string,
  ) {}

  get label(): string {
    return this.attribute === undefined ? this.logicalId : `${this.logicalId}.${this.attribute}`;
  }
}

/**
 * A value the template does not determine: an import, a parameter, a pseudo parameter, an
 * attribute only known after deployment. `why` completes "... which <why>".
 */
export class Opaque {
  constructor(
    /** Stable identity: two uses of the same import are the same value. */
    readonly key: string,
    /** Short name for messages: `Fn::ImportValue "shared-subnet"`. */
    readonly label: string,
    /** Completes "..., which <why>". */
    readonly why: string,
    /** Declared trusted by the user: assumed not to open a path. */
    readonly trusted = false,
  ) {}
}

/** `Ref: AWS::NoValue`: the property is removed. */
export class NoValue {
  static readonly instance = new NoValue();
  private constructor() {}
}

export type Value =
  | null
  | boolean
  | number
  | string
  | Ref
  | Opaque
  | Value[]
  | { [key: string]: Value };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Ref) &&
    !(v instanceof Opaque)
  );
}

export function isValueRecord(v: Value | undefined): v is { [key: string]: Value } {
  return isRecord(v);
}
