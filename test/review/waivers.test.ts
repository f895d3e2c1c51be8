/**
 * Waivers: the accept command, the hidden block they are stored in, and what
 * applying them does to a review's result.
 */
import { describe, expect, it } from 'vitest';
import { addWaiver, applyWaivers, decodeWaivers, encodeWaivers, isActive, isAcceptCommand, parseAcceptCommand, type Waiver } from '../../src/review/waivers.js';
import { renderWaiverComment } from '../../src/render/waiver-comment.js';
import { analyzeSource } from '../support/analyze-source.js';
import missingAuthentication from '../../checks/authentication/missing-authentication.js';

const RULES = new Set(['missing-rate-limit', 'missing-authentication']);
const TODAY = '2026-11-28';

describe('the accept command', () => {
  it('is recognised on the first line only after /security-review accept', () => {
    expect(isAcceptCommand('/security-review accept missing-rate-limit gateway')).toBe(true);
    expect(isAcceptCommand('/security-review')).toBe(false);
    expect(isAcceptCommand('/security-review accepted')).toBe(false);
  });

  it('reads the rule, the reason and an optional until date', () => {
    expect(parseAcceptCommand('/security-review accept missing-rate-limit limits are enforced by the API gateway until 2027-01-31', RULES, TODAY)).toEqual({
      kind: 'accept',
      ruleId: 'missing-rate-limit',
      reason: 'limits are enforced by the API gateway',
      until: '2027-01-31',
    });
    expect(parseAcceptCommand('/security-review accept missing-rate-limit internal tool, VPN only', RULES, TODAY)).toEqual({ kind: 'accept', ruleId: 'missing-rate-limit', reason: 'internal tool, VPN only' });
  });

  it('accepts until today (the day is included)', () => {
    expect(parseAcceptCommand(`/security-review accept missing-rate-limit gateway until ${TODAY}`, RULES, TODAY).kind).toBe('accept');
  });

  it.each([
    ['/security-review accept', 'name the rule'],
    ['/security-review accept no-such-rule because', 'is not a rule of this app'],
    ['/security-review accept missing-rate-limit', 'needs a reason'],
    ['/security-review accept missing-rate-limit until 2027-01-01', 'needs a reason'],
    ['/security-review accept missing-rate-limit gateway until 2026-02-30', 'is not a date'],
    ['/security-review accept missing-rate-limit gateway until 2025-01-01', 'already past'],
  ])('refuses %s', (line, problem) => {
    const parsed = parseAcceptCommand(line, RULES, TODAY);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problem).toContain(problem);
  });
});

describe('the hidden block', () => {
  const waiver: Waiver = { ruleId: 'missing-rate-limit', reason: 'gateway --> enforces <!-- limits', by: 'octocat', at: '2026-11-28T10:00:00.000Z', until: '2027-01-31' };

  it('round-trips, whatever the reason contains', () => {
    const body = renderWaiverComment([waiver], TODAY);
    expect(decodeWaivers(body)).toEqual([waiver]);
  });

  it('drops malformed entries and survives a tampered block', () => {
    const bad = `<!-- api-security-review:waivers ${Buffer.from(JSON.stringify([waiver, { ruleId: 'x' }, 'text', { ...waiver, until: 'soon' }])).toString('base64')} -->`;
    expect(decodeWaivers(bad)).toEqual([waiver]);
    expect(decodeWaivers('<!-- api-security-review:waivers not@base64 -->')).toBeUndefined();
    expect(decodeWaivers(`<!-- api-security-review:waivers ${Buffer.from('{').toString('base64')} -->`)).toEqual([]);
    expect(decodeWaivers('no block here')).toBeUndefined();
  });

  it('a newer waiver for the same rule replaces the older one', () => {
    const renewed = { ...waiver, reason: 'renewed', until: '2027-06-30' };
    expect(addWaiver([waiver, { ...waiver, ruleId: 'missing-authentication' }], renewed)).toEqual([{ ...waiver, ruleId: 'missing-authentication' }, renewed]);
  });

  it('the visible table says active or expired', () => {
    expect(renderWaiverComment([waiver], TODAY)).toContain('| active |');
    expect(renderWaiverComment([waiver], '2027-02-01')).toContain('| expired |');
    expect(encodeWaivers([])).toMatch(/^<!-- api-security-review:waivers [A-Za-z0-9+/=]+ -->$/);
  });

  it('expiry: active through the until day, not after', () => {
    expect(isActive(waiver, '2027-01-31')).toBe(true);
    expect(isActive(waiver, '2027-02-01')).toBe(false);
    expect(isActive({ ...waiver, until: undefined }, '2099-01-01')).toBe(true);
  });
});

describe('applying waivers to a result', () => {
  const code = `import express from 'express';
const app = express();
app.post('/users', async (req, res) => res.json(await db.user.create({ data: { name: String(req.body.name) } })));
`;
  const waiver: Waiver = { ruleId: 'missing-authentication', reason: 'signup endpoint, public by design', by: 'octocat', at: '2026-11-28T10:00:00.000Z', until: '2027-01-31' };

  it('turns the rule\'s findings into accepted risks with who, why and until when', async () => {
    const result = await analyzeSource('src/app.ts', code, { checks: [missingAuthentication] });
    expect(result.findings).toHaveLength(1);
    const waived = applyWaivers(result, [waiver], TODAY);
    expect(waived.findings).toEqual([]);
    expect(waived.suppressed).toEqual([expect.objectContaining({ reason: waiver.reason, waiver: { by: 'octocat', until: '2027-01-31' } })]);
    const item = waived.endpoints[0].checklist['authn.identity'];
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('accepted risk (missing-authentication waived by @octocat until 2027-01-31): signup endpoint, public by design');
  });

  it('an expired waiver changes nothing', async () => {
    const result = await analyzeSource('src/app.ts', code, { checks: [missingAuthentication] });
    expect(applyWaivers(result, [waiver], '2027-02-01')).toBe(result);
  });

  it('a waiver of another rule changes nothing', async () => {
    const result = await analyzeSource('src/app.ts', code, { checks: [missingAuthentication] });
    const other = applyWaivers(result, [{ ...waiver, ruleId: 'missing-rate-limit' }], TODAY);
    expect(other.findings).toHaveLength(1);
    expect(other.endpoints[0].checklist['authn.identity'].status).toBe('fail');
  });
});
