import { describe, expect, it } from 'vitest';
import { codeSpan, escapeHtml, escapeText, sanitiseAuthoredMarkdown, tableCodeSpan } from '../../src/render/markdown.js';

describe('escapeText', () => {
  it('escapes a pipe so that it cannot split a table cell', () => {
    expect(escapeText('a | b')).toBe('a \\| b');
  });

  it('escapes emphasis, code, links and HTML', () => {
    expect(escapeText('*x* _y_ `z` [l](u) <b>')).toBe('\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\<b\\>');
  });

  it('keeps code-derived text on one line', () => {
    expect(escapeText('first\nsecond')).toBe('first second');
  });

  it('stops a leading marker from starting a heading or a list', () => {
    expect(escapeText('# not a heading')).toBe('\\# not a heading');
    expect(escapeText('1. not a list')).toBe('1\\. not a list');
  });

  it('defuses @mentions but leaves e-mail addresses alone', () => {
    expect(escapeText('@admin and me@example.com')).toBe('@\u200badmin and me@example.com');
  });
});

describe('codeSpan', () => {
  it('uses a fence longer than the backticks inside', () => {
    expect(codeSpan('a `b` c')).toBe('``a `b` c``');
  });

  it('escapes pipes inside a table cell', () => {
    expect(tableCodeSpan('a|b')).toBe('`a\\|b`');
  });
});

describe('sanitiseAuthoredMarkdown', () => {
  it('keeps code spans and escapes raw HTML outside them', () => {
    expect(sanitiseAuthoredMarkdown('Use `<Auth>` not <img src=x>')).toBe('Use `<Auth>` not \\<img src=x>');
  });

  it('escapes HTML between backtick runs of different lengths, which are no code span', () => {
    expect(sanitiseAuthoredMarkdown('``<img>`')).toBe('``\\<img>`');
  });
});

describe('escapeHtml', () => {
  it('escapes text for raw HTML', () => {
    expect(escapeHtml('GET /a?<b>&"c"')).toBe('GET /a?&lt;b&gt;&amp;&quot;c&quot;');
  });
});
