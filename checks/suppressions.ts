/**
 * In-code suppressions: `// api-security-review-ignore <rule-id>: <reason>`
 * on the finding's line or the line above. The reason is required.
 */
export interface Suppression {
  ruleId: string;
  reason: string;
  line: number;
}

// Bounded quantifiers and no nested repetition: linear on any input.
const SUPPRESSION = /api-security-review-ignore[ \t]+([a-z0-9-]{1,100})[ \t]*(?::[ \t]*([^\r\n]{0,500}))?/;

export function findSuppressions(lines: readonly string[]): Suppression[] {
  const suppressions: Suppression[] = [];
  lines.forEach((text, index) => {
    if (!text.includes('api-security-review-ignore')) return;
    const match = SUPPRESSION.exec(text);
    if (match === null) return;
    const reason = (match[2] ?? '').replace(/\*\/\s*$/, '').replace(/-->\s*$/, '').trim();
    suppressions.push({ ruleId: match[1], reason, line: index + 1 });
  });
  return suppressions;
}

/** The suppression that covers a finding of `ruleId` starting at `line`, if any. */
export function suppressionFor(suppressions: readonly Suppression[], ruleId: string, line: number): Suppression | undefined {
  return suppressions.find((s) => s.ruleId === ruleId && (s.line === line || s.line === line - 1));
}
