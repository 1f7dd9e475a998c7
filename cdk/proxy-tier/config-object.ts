import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

/**
 * The rendered Envoy config as a CDK file asset: `cdk deploy` uploads it to the environment's
 * asset bucket (SSE-KMS, from `cdk bootstrap`) under its content hash, and the proxy's task
 * role may read exactly that object. Integrity does not rest on the bucket: the task
 * definition pins the sha256 and the launcher refuses any other content (docs/adr/0012).
 */
export class EnvoyConfigObject extends Construct {
  readonly asset: Asset;
  /** `https://<bucket>.s3.<region>.<suffix>/<key>` (tokens): what the launcher fetches. */
  readonly url: string;
  /** The object's ARN, the only resource the read policy names. */
  readonly objectArn: string;

  constructor(scope: Construct, id: string, json: string) {
    super(scope, id);
    // Staging copies the file into the cloud assembly at once; the scratch copy goes away.
    const scratch = mkdtempSync(join(tmpdir(), 'agent-perimeter-envoy-'));
    try {
      const file = join(scratch, 'envoy.json');
      writeFileSync(file, json);
      this.asset = new Asset(this, 'Asset', { path: file });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const stack = Stack.of(this);
    this.url = `https://${this.asset.s3BucketName}.s3.${stack.region}.${stack.urlSuffix}/${this.asset.s3ObjectKey}`;
    this.objectArn = stack.formatArn({
      service: 's3',
      region: '',
      account: '',
      resource: this.asset.s3BucketName,
      resourceName: this.asset.s3ObjectKey,
    });
  }

  /** GetObject on this object only. */
  readStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'ReadRenderedEnvoyConfig',
      actions: ['s3:GetObject'],
      resources: [this.objectArn],
    });
  }
}
