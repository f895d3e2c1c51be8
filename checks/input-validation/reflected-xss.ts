/**
 * reflected-xss (input.xss): request data written into an HTML response
 * without escaping. Where HTML goes out and what is spliced into it is in
 * html-sinks.ts; what the caller controls in request-data.ts.
 */
import type { ts } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { replaceNode } from '../lang/ts/line-edits.js';
import { isFixedValue } from './fixed-values.js';
import { traceRequestData } from './request-data.js';
import { htmlSinks, importedEscaper, sanitizerOf } from './html-sinks.js';

export default createCheck({
  id: 'reflected-xss',
  items: ['input.xss'],
  description: 'Request data is written into an HTML response without escaping.',
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-79'],
  owasp: ['API8:2023'],
  messages: {
    xss: '{{via}} writes {{data}} from the request into HTML without escaping: the caller can inject script into the page.',
  },
  why: "Markup or script in the caller's input runs in the browser of whoever opens the page, with their session (cross-site scripting).",
  fix: {
    express: "Escape every value written into HTML: `import escapeHtml from 'escape-html'; res.send(`<p>Hello ${escapeHtml(name)}</p>`)`, or render a template that escapes (`res.render`), or answer JSON.",
    hono: "Build the page with hono/html's html`...` template or JSX, which escape what they interpolate, instead of a plain template string.",
    'nextjs-app-router': 'Return JSON, or render through React, which escapes; for HTML you must inject, sanitise it first: `DOMPurify.sanitize(html)`.',
    default: "Escape values written into HTML (`escape-html`, `he.escape`), sanitise HTML you must keep (`sanitize-html`, `DOMPurify.sanitize`), or answer JSON.",
  },
  run(context) {
    const { endpoint } = context;
    const sinks = htmlSinks(endpoint);
    if (sinks.length === 0) {
      context.notApplicable('input.xss', 'the endpoint answers no HTML');
      return;
    }
    const requestData = traceRequestData(endpoint);
    const escaper = importedEscaper(endpoint);
    let reported = false;
    let sanitized: { node: ts.Node; by: string } | undefined;
    let untraced: string | undefined;
    for (const sink of sinks) {
      for (const piece of sink.pieces) {
        const by = sanitizerOf(endpoint, piece);
        if (by !== undefined) {
          sanitized ??= { node: piece, by };
          continue;
        }
        if (isFixedValue(endpoint, piece)) continue;
        const label = requestData.label(piece);
        if (label === undefined) {
          untraced ??= `${sink.via} at line ${endpoint.index.lineOf(sink.node)} writes ${endpoint.index.textOf(piece)} into HTML without escaping; where it comes from was not traced (stored data can carry script too)`;
          continue;
        }
        const text = endpoint.index.textOf(piece);
        context.report({
          messageId: 'xss',
          node: piece,
          data: { via: `\`${sink.via}\``, data: `\`${label}\`` },
          suggestion: escaper === undefined ? undefined : replaceNode(endpoint.index, piece, escaper.replace('%', text)),
        });
        reported = true;
      }
    }
    if (reported) return;
    if (untraced !== undefined) {
      context.unknown('input.xss', untraced);
      return;
    }
    if (sanitized !== undefined) {
      context.pass('input.xss', { node: sanitized.node, note: `request data is escaped with ${sanitized.by}() before it goes into HTML` });
      return;
    }
    const escaped = sinks.find((sink) => sink.escapedBy !== undefined);
    if (escaped !== undefined) {
      context.pass('input.xss', { node: escaped.node, note: `the HTML is built by ${escaped.escapedBy}` });
      return;
    }
    context.pass('input.xss', { node: sinks[0].node, note: `${sinks[0].via} writes only fixed text into its HTML` });
  },
});
