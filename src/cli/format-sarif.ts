/**
 * `--format sarif`: the result as SARIF 2.1.0 for GitHub code scanning,
 * within its upload limits (see render/sarif-log.ts).
 */
import { CHECKS } from '../../checks/index.js';
import type { AnalysisResult } from '../../checks/model.js';
import type { Config } from '../config/schema.js';
import { buildSarifLog, serializeSarifLog, type SerializedSarif } from '../render/sarif-log.js';
import { readPackageVersion } from './version.js';

/** `result` with repository-relative paths (the engine's), not the working directory's. */
export async function formatSarif(result: AnalysisResult, config: Config): Promise<SerializedSarif> {
  return serializeSarifLog(buildSarifLog({ result, checks: CHECKS, config, toolVersion: await readPackageVersion() }));
}
