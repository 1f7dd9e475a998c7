import { parse } from 'yaml';
import { CONTAINER_LAUNCHER_PATH, GCP_BOOT_FILES } from '../../../contract/gcp-boot.js';
import { sha256Hex } from '../../../contract/proxy-identity.js';

/*
 * What a proxy instance's boot document says it runs: the image its Envoy unit starts and the
 * digest of the Envoy config it writes (the files pulumi/proxy-tier/boot.ts lays down).
 */

export interface BootFacts {
  /** The image the Envoy unit runs; undefined: no unit that runs the launcher. */
  readonly image: string | undefined;
  /** SHA-256 of the Envoy config file it writes; undefined: it writes none. */
  readonly configDigest: string | undefined;
}

interface WriteFile {
  readonly path?: unknown;
  readonly content?: unknown;
  readonly encoding?: unknown;
}

function files(userData: string): WriteFile[] {
  if (!userData.startsWith('#cloud-config')) return [];
  try {
    const doc = parse(userData) as { write_files?: unknown } | null;
    return Array.isArray(doc?.write_files) ? (doc.write_files as WriteFile[]) : [];
  } catch {
    return [];
  }
}

function content(f: WriteFile): string | undefined {
  if (typeof f.content !== 'string') return undefined;
  const b64 = f.encoding === 'b64' || f.encoding === 'base64';
  return b64 ? Buffer.from(f.content, 'base64').toString('utf8') : f.content;
}

export function bootFacts(userData: string | undefined): BootFacts {
  const list = userData === undefined ? [] : files(userData);
  const text = (path: string) => {
    const f = list.find((x) => x.path === path);
    return f === undefined ? undefined : content(f);
  };
  const config = text(GCP_BOOT_FILES.config);
  const start = (text(GCP_BOOT_FILES.unit) ?? '')
    .split('\n')
    .find((l) => l.startsWith('ExecStart='))
    ?.split(/\s+/);
  const at = start?.indexOf(CONTAINER_LAUNCHER_PATH) ?? -1;
  // A config fetched from Cloud Storage: the pin counts only where the fetch checks it.
  const pinned = text(GCP_BOOT_FILES.configDigest)?.trim();
  const checked = (text(GCP_BOOT_FILES.fetchScript) ?? '').includes(
    `want="$(cat ${GCP_BOOT_FILES.configDigest})"`,
  );
  return {
    image: at > 0 ? start?.[at - 1] : undefined,
    configDigest:
      config !== undefined
        ? sha256Hex(config)
        : pinned !== undefined && checked && /^[a-f0-9]{64}$/.test(pinned)
          ? pinned
          : undefined,
  };
}
