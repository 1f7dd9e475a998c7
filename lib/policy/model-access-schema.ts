import { z } from 'zod';
import { BEDROCK_GEO_PREFIXES } from './bedrock-geo.js';
import { profileGeography } from './model-access.js';

/*
 * How agents reach Claude: the Anthropic API with a key the proxy injects (an `egress` entry,
 * today's default), Amazon Bedrock signed by the proxy's own role, or Google Vertex AI with an
 * access token the proxy's service account mints. Agents never hold any of these credentials.
 */

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const BEDROCK_MODEL = /^[a-z0-9-]+\.[a-z0-9][a-z0-9.-]*(:\d+)?$/;
const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const GCP_REGION = /^([a-z]+-[a-z]+\d+|global)$/;
const VERTEX_MODEL = /^[a-z0-9][a-z0-9.-]*(@[a-z0-9.-]+)?$/;
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

const awsRegion = z.string().regex(AWS_REGION, {
  error: 'is not an AWS region. Fix: write a region code such as "us-east-1" or "eu-central-1".',
});

const BedrockModelId = z
  .string()
  .regex(BEDROCK_MODEL, {
    error:
      'is not a Bedrock model ID. Fix: write the ID as `aws bedrock list-foundation-models` prints it, e.g. "anthropic.claude-haiku-4-5-20251001-v1:0".',
  })
  .refine((id) => profileGeography(id) === undefined, {
    error:
      'is an inference profile ID (it starts with a geography prefix). Fix: list it under `inference_profiles` with the regions it routes to.',
  })
  .meta({ description: 'A foundation-model ID, invoked in `region` only.' });

const InferenceProfileSchema = z
  .strictObject({
    id: z
      .string()
      .regex(BEDROCK_MODEL, {
        error:
          'is not an inference profile ID. Fix: write it as `aws bedrock list-inference-profiles` prints it, e.g. "us.anthropic.claude-sonnet-4-5-20250929-v1:0".',
      })
      .refine((id) => profileGeography(id) !== undefined, {
        error: `does not start with a geography prefix (${BEDROCK_GEO_PREFIXES.join(', ')}). Fix: list a single-region foundation model under \`models\` instead.`,
      }),
    regions: z.array(awsRegion).min(1).max(32).optional().meta({
      description:
        'Regions the profile routes requests to (its foundation-model ARNs, from `aws bedrock get-inference-profile`). Required for geographic profiles; a "global." profile routes anywhere and is granted the region-less foundation-model ARN instead. @default - none',
    }),
  })
  .meta({ description: 'A cross-region inference profile and where it may route requests.' });

const PinsSchema = z
  .strictObject({
    opus: z.string().optional(),
    sonnet: z.string().optional(),
    haiku: z.string().optional(),
  })
  .meta({
    description:
      "Model IDs for Claude Code's opus, sonnet and haiku aliases; each must be listed. Unset aliases get `default_model`, so Claude Code never asks for a model outside the list. @default - every alias is `default_model`",
  });

const common = {
  default_model: z.string().optional().meta({
    description:
      'ANTHROPIC_MODEL for agents; must be listed. @default - the first inference profile, else the first model',
  }),
  pins: PinsSchema.optional(),
  port: z.number().int().min(1).max(65535).optional().meta({
    description:
      "The proxy's plain-HTTP listener agents use as their model base URL. @default - the first port after the inject listeners",
  }),
  max_request_mib: z.number().int().min(1).max(64).default(32).meta({
    description:
      'Largest request body the model listener accepts (long contexts and images). Bedrock requests are buffered whole to sign them. @default 32',
  }),
};

export const BedrockAccessSchema = z
  .strictObject({
    provider: z.literal('bedrock'),
    region: awsRegion.meta({ description: 'Region whose bedrock-runtime endpoint is called.' }),
    models: z.array(BedrockModelId).max(32).default([]),
    inference_profiles: z.array(InferenceProfileSchema).max(32).default([]),
    api_key_secret: z
      .string()
      .regex(SECRET_NAME, {
        error:
          'is not a secret name. Fix: 1-255 letters, digits, "-" and "_" naming the secret that holds the Bedrock API key.',
      })
      .optional()
      .meta({
        description:
          "Use a Bedrock API key (stored under this secret name) as a bearer token instead of signing with the proxy's role. @default - SigV4 with the proxy's task role",
      }),
    ...common,
  })
  .meta({ description: "Amazon Bedrock, signed by the proxy's task role (SigV4)." });

export const VertexAccessSchema = z
  .strictObject({
    provider: z.literal('vertex'),
    project: z.string().regex(GCP_PROJECT, {
      error:
        'is not a Google Cloud project ID. Fix: write the ID (not the name), e.g. "my-proj-123".',
    }),
    region: z.string().regex(GCP_REGION, {
      error: 'is not a Vertex AI region. Fix: write e.g. "us-east5", "europe-west1" or "global".',
    }),
    models: z
      .array(
        z.string().regex(VERTEX_MODEL, {
          error: 'is not a Vertex AI model ID. Fix: write e.g. "claude-sonnet-4-5@20250929".',
        }),
      )
      .min(1, { error: 'is empty. Fix: list the Claude models agents may call.' })
      .max(32),
    ...common,
  })
  .meta({ description: "Google Vertex AI, with access tokens of the proxy's service account." });

export const AnthropicAccessSchema = z.strictObject({ provider: z.literal('anthropic') }).meta({
  description:
    'The Anthropic API through an `egress` entry for api.anthropic.com with `inject` (the key stays in the secret store).',
});

export const ModelAccessSchema = z
  .discriminatedUnion(
    'provider',
    [AnthropicAccessSchema, BedrockAccessSchema, VertexAccessSchema],
    {
      error: 'needs `provider`: "anthropic", "bedrock" or "vertex".',
    },
  )
  .meta({
    description:
      "How agents reach Claude; a profile may choose its own (`agents[].model_access`, same shape). @default { provider: 'anthropic' }",
  });

export type ModelAccess = z.output<typeof ModelAccessSchema>;
export type BedrockAccess = z.output<typeof BedrockAccessSchema>;
export type VertexAccess = z.output<typeof VertexAccessSchema>;
