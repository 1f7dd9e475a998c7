import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../lib/policy/index.js';
import { sandboxRuntimeSettings } from '../../lib/sandbox-runtime/settings.js';

/*
 * The srt settings per field, against sandbox-runtime's documented format (its zod schema,
 * SandboxRuntimeConfigSchema in dist/sandbox/sandbox-config.js): the package is not a
 * dependency of this project, so the format rules it enforces are restated here.
 */

const two = loadPolicy('examples/two-agents.yaml');
/** srt's host pattern rule: a name with a dot, or "*." and two more labels; optional :port. */
const SRT_DOMAIN_PORT = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?$|^localhost(:\d{1,5})?$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/;

describe('sandbox-runtime settings', () => {
  it("allows exactly the coder's hosts, strictly, and no model API without the proxy", () => {
    const { settings, notes, environment } = sandboxRuntimeSettings(two, 'coder');
    expect(settings.network.allowedDomains).toEqual([
      'github.com:443',
      'codeload.github.com:443',
      'registry.npmjs.org:443',
    ]);
    expect(settings.network.strictAllowlist).toBe(true);
    expect(settings.network.deniedDomains).toEqual([]);
    expect(settings.network.parentProxy).toBeUndefined();
    expect(environment).toEqual({});
    expect(notes.join('\n')).not.toContain('anthropic');
  });

  it('leaves inject entries out without a proxy, and says so', () => {
    const { settings, notes } = sandboxRuntimeSettings(two, 'reviewer');
    expect(settings.network.allowedDomains).toEqual([]);
    expect(notes.join('\n')).toContain('"api.anthropic.com" needs the proxy to add its credential');
  });

  it("sends everything through our proxy and allows the profile's base URL directly", () => {
    const { settings, environment } = sandboxRuntimeSettings(
      two,
      'reviewer',
      new URL('http://localhost:3128'),
    );
    expect(settings.network.parentProxy).toEqual({
      http: 'http://localhost:3128',
      https: 'http://localhost:3128',
      noProxy: 'localhost',
    });
    expect(settings.network.allowedDomains).toEqual(['localhost:8081']);
    expect(environment).toEqual({ ANTHROPIC_BASE_URL: 'http://localhost:8081' });
  });

  it('denies internal ranges and the C25 credential files, and writes only scratch', () => {
    const { settings } = sandboxRuntimeSettings(two, 'coder');
    expect(settings.network.deniedResolvedAddresses).toEqual(
      expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16', '127.0.0.0/8', 'fc00::/7']),
    );
    expect(settings.filesystem.denyRead).toEqual(
      expect.arrayContaining([
        '~/.ssh',
        '~/.aws',
        '~/.config/gcloud',
        '~/.git-credentials',
        '~/.npmrc',
        '~/.kube',
      ]),
    );
    expect(settings.filesystem.allowWrite).toEqual(['/tmp', '/home/agent']);
    expect(settings.filesystem.denyWrite).toEqual([]);
  });

  it('uses only the keys and value forms srt accepts', () => {
    const { settings } = sandboxRuntimeSettings(
      two,
      'reviewer',
      new URL('http://proxy.internal:3128'),
    );
    expect(Object.keys(settings).sort()).toEqual(['filesystem', 'network']);
    expect(Object.keys(settings.network).sort()).toEqual([
      'allowedDomains',
      'deniedDomains',
      'deniedResolvedAddresses',
      'parentProxy',
      'strictAllowlist',
    ]);
    expect(Object.keys(settings.filesystem).sort()).toEqual([
      'allowWrite',
      'denyRead',
      'denyWrite',
    ]);
    for (const d of sandboxRuntimeSettings(two, 'coder').settings.network.allowedDomains) {
      expect(d).toMatch(SRT_DOMAIN_PORT);
    }
    for (const d of settings.network.allowedDomains) expect(d).toMatch(SRT_DOMAIN_PORT);
    for (const c of settings.network.deniedResolvedAddresses) expect(c).toMatch(CIDR);
    for (const url of Object.values(settings.network.parentProxy ?? {})) {
      if (url.startsWith('http')) expect(() => new URL(url)).not.toThrow();
    }
    for (const p of settings.filesystem.denyRead) expect(p.length).toBeGreaterThan(0);
  });

  it('refuses an unknown profile naming the known ones', () => {
    expect(() => sandboxRuntimeSettings(two, 'nobody')).toThrow('use one of "reviewer", "coder"');
  });
});
