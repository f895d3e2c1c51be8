/**
 * The repository configuration, `.github/api-security-review.yml`.
 * Every key is optional; unknown keys are errors so that a typo never
 * silently switches a control off.
 */
import { z } from 'zod';
import { SEVERITIES } from '../../checks/model.js';

const globList = z.array(z.string().min(1)).max(500);
const nameList = z.array(z.string().min(1).max(200)).max(500);
const severity = z.enum(SEVERITIES);

const ruleSetting = z.union([
  z.literal('off'),
  severity,
  z.strictObject({ severity: severity.optional(), off: z.boolean().optional() }),
]);

export const configSchema = z.strictObject({
  paths: globList.optional(),
  ignore: globList.optional(),
  fail_on: severity.default('high'),
  max_comments: z.number().int().min(0).max(100).default(30),
  /** Findings below this severity are listed in the check run, not commented inline. */
  inline_min_severity: severity.default('medium'),
  skip_drafts: z.boolean().default(false),
  rules: z.record(z.string().regex(/^[a-z0-9-]+$/, 'a rule id in kebab-case'), ruleSetting).default({}),
  auth: z
    .strictObject({
      functions: nameList.default([]),
      public_routes: globList.default([]),
    })
    .default({ functions: [], public_routes: [] }),
  rate_limit: z
    .strictObject({
      functions: nameList.default([]),
      upstream: z.boolean().default(false),
    })
    .default({ functions: [], upstream: false }),
  validation: z
    .strictObject({
      functions: nameList.default([]),
    })
    .default({ functions: [] }),
});

export type Config = z.output<typeof configSchema>;

export const DEFAULT_CONFIG: Config = configSchema.parse({});
