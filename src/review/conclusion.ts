import { SEVERITIES, type Finding, type Severity } from '../../checks/model.js';
import { severityRank } from '../render/finding-order.js';

/**
 * The check run's conclusion (a contract): `failure` when any finding is at or
 * above the configured `fail_on` severity, `success` otherwise. Findings
 * already commented in an earlier review still count: they are still in the code.
 * Fails closed on bad input: an unknown severity ranks as critical, an unknown
 * threshold as the lowest.
 */
export function conclusionFor(findings: readonly Finding[], failOn: Severity): 'success' | 'failure' {
  const threshold = SEVERITIES.includes(failOn) ? severityRank(failOn) : 0;
  return findings.some((finding) => severityRank(finding.severity) >= threshold) ? 'failure' : 'success';
}
