import type { Severity } from '../../checks/model.js';

const BADGES: Record<Severity, string> = {
  critical: '🛑 Critical',
  high: '🔴 High',
  medium: '🟠 Medium',
  low: '🟡 Low',
  info: '🔵 Info',
};

/** `🔴 High`: a colour a reviewer can scan for, and the word for those who cannot see it. */
export function severityBadge(severity: Severity): string {
  return BADGES[severity] ?? `⚪ ${String(severity)}`;
}
