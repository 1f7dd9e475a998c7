import type { Problem } from '../errors.js';
import { listedModels, profileGeography } from './model-access.js';
import type { ModelAccess } from './model-access-schema.js';

/** Cross-field checks of `model_access`: what the schema cannot see on one field. */
export function modelAccessProblems(access: ModelAccess, at = 'model_access'): Problem[] {
  if (access.provider === 'anthropic') return [];
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path: `${at}${path}`, message });
  const listed = listedModels(access);
  if (access.provider === 'bedrock') {
    if (listed.length === 0) {
      add(
        '',
        'lists no models. Fix: add `models` (foundation-model IDs) or `inference_profiles` (e.g. { id: us.anthropic.claude-sonnet-4-5-20250929-v1:0, regions: [us-east-1, us-east-2, us-west-2] }).',
      );
    }
    access.inference_profiles.forEach((profile, j) => {
      const geography = profileGeography(profile.id);
      if (geography === 'global' && profile.regions !== undefined) {
        add(
          `.inference_profiles[${j}].regions`,
          `is set, but "${profile.id}" is a global profile that may route to any commercial region, so the grant uses the region-less foundation-model ARN. Fix: remove \`regions\`.`,
        );
      } else if (geography !== 'global' && profile.regions === undefined) {
        add(
          `.inference_profiles[${j}]`,
          `"${profile.id}" routes requests to other regions, and the proxy's role must be allowed the foundation model in each of them. Fix: add \`regions\` with the regions of the model ARNs \`aws bedrock get-inference-profile --inference-profile-identifier ${profile.id}\` prints.`,
        );
      }
    });
  }
  const seen = new Set<string>();
  for (const id of listed) {
    if (seen.has(id)) add('', `lists "${id}" twice. Fix: remove the copy.`);
    seen.add(id);
  }
  const named = (path: string, id: string | undefined) => {
    if (id !== undefined && !seen.has(id)) {
      add(
        path,
        `"${id}" is not listed, so the proxy would refuse every request for it. Fix: use one of ${listed.map((m) => `"${m}"`).join(', ') || 'the listed models'}, or list it.`,
      );
    }
  };
  named('.default_model', access.default_model);
  named('.pins.opus', access.pins?.opus);
  named('.pins.sonnet', access.pins?.sonnet);
  named('.pins.haiku', access.pins?.haiku);
  return problems;
}
