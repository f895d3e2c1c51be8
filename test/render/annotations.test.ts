import { describe, expect, it } from 'vitest';
import { toAnnotations } from '../../src/render/annotations.js';
import { finding } from './literal-results.js';

describe('toAnnotations', () => {
  it('maps a finding to the Checks API annotation shape', () => {
    const [annotation] = toAnnotations([finding({ line: 12, endLine: 14 })]);
    expect(annotation).toMatchObject({
      path: 'app/api/invoices/[id]/route.ts',
      start_line: 12,
      end_line: 14,
      annotation_level: 'failure',
      title: 'high: missing-authentication (PATCH /api/invoices/[id])',
    });
    expect(annotation.message).toContain('PATCH /api/invoices/[id] does its work without verifying the caller.');
    expect(annotation.message).toContain('How to fix: Call `auth()` first');
    expect(annotation.raw_details).toContain('API2:2023 Broken Authentication');
  });

  it('uses failure for critical and high, warning for medium, notice for low and info', () => {
    const levels = toAnnotations(
      (['critical', 'high', 'medium', 'low', 'info'] as const).map((severity, i) => finding({ severity, line: i + 1, endLine: i + 1, fingerprint: severity })),
    ).map((a) => a.annotation_level);
    expect(levels).toEqual(['failure', 'failure', 'warning', 'notice', 'notice']);
  });

  it('never gives an end line before the start line', () => {
    const [annotation] = toAnnotations([finding({ line: 12, endLine: 3 })]);
    expect(annotation.end_line).toBe(12);
  });

  it('keeps the title within GitHub’s 255 characters', () => {
    const [annotation] = toAnnotations([finding({ endpoint: `GET /${'a'.repeat(400)}` })]);
    expect(annotation.title.length).toBeLessThanOrEqual(255);
  });
});
