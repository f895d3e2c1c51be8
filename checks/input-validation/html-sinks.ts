/**
 * Where an endpoint answers HTML, and the values spliced into that HTML:
 * strings sent with an HTML content type (Express `res.send` of a string is
 * text/html by default, Hono `c.html`, a Fetch `Response` with text/html,
 * Koa `ctx.body` of markup), and React's `dangerouslySetInnerHTML`.
 * Tagged `html` templates (hono/html, lit) and JSX children escape what they
 * interpolate, so they splice nothing raw.
 */
import { ts, SyntaxKind, isBinaryExpression, isCallExpression, isIdentifier, isJsxElement, isJsxExpression, isJsxFragment, isJsxSelfClosingElement, isObjectLiteralExpression, isPropertyAccessExpression, isTaggedTemplateExpression, isTemplateExpression } from '../lang/ts/parse.js';
import { calleeName, expressionPath, importSources, plainCalleePath, stringValue, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { propertyValue } from './upload-parsers.js';

export interface HtmlSink {
  /** Where the HTML goes out: the response call, the `new Response`, the JSX attribute. */
  node: ts.Node;
  /** How the code writes it, e.g. `res.send()`. */
  via: string;
  /** Values written into the HTML as they are (template spans, concatenated operands). */
  pieces: ts.Expression[];
  /** Set when the HTML is built by something that escapes (a tagged `html` template, JSX, a template engine). */
  escapedBy?: string;
}

const MARKUP = /<[a-zA-Z!/]/;
const HTML_TYPE = /html/i;

/** Callees that escape or sanitise HTML: escape-html, he, sanitize-html, DOMPurify, xss, lodash, validator. */
const SANITIZER_PATH = /^(?:escape|escapeHtml|escapeHTML|htmlEscape|escapeHtmlEntities|encode|encodeHTML|encodeHtml|sanitize|sanitizeHtml|sanitizeHTML|purify|xss|filterXSS|(?:DOMPurify|purify|dompurify|domPurify)\.sanitize|he\.(?:encode|escape)|validator\.escape|_\.escape|lodash\.escape|xss\.filterXSS|encodeURIComponent)$/;

const SANITIZER_MODULE = /^(?:escape-html|sanitize-html|he|dompurify|isomorphic-dompurify|xss|lodash\/escape|lodash\.escape|html-escaper|escape-goat)$/;

/** Whether `expression` is escaped: a sanitiser call, or a name bound to one. */
export function sanitizerOf(endpoint: Endpoint, expression: ts.Expression, depth = 0): string | undefined {
  const node = unwrapExpression(expression);
  if (isCallExpression(node)) {
    const path = plainCalleePath(node);
    if (SANITIZER_PATH.test(path)) return path;
    // `import esc from 'escape-html'`: the module decides, whatever the local name.
    const module = importSources(endpoint.index).get(path.split('.')[0])?.module;
    if (module !== undefined && SANITIZER_MODULE.test(module)) return path;
    // `escape(name).trim()`, `String(escape(x))`
    if (depth < 3 && isPropertyAccessExpression(node.expression)) return sanitizerOf(endpoint, node.expression.expression, depth + 1);
    return undefined;
  }
  if (isIdentifier(node) && depth < 3) {
    const initializer = variablesByName(endpoint.index).get(node.text)?.initializer;
    if (initializer !== undefined) return sanitizerOf(endpoint, initializer, depth + 1);
  }
  return undefined;
}

/** The values a string-building expression writes as they are, and whether its fixed text has markup. */
function piecesOf(endpoint: Endpoint, expression: ts.Expression, depth = 0): { pieces: ts.Expression[]; markup: boolean; text: boolean } {
  const node = unwrapExpression(expression);
  if (isTemplateExpression(node)) {
    const fixed = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('');
    return { pieces: node.templateSpans.map((span) => span.expression), markup: MARKUP.test(fixed), text: true };
  }
  if (isBinaryExpression(node) && node.operatorToken.kind === SyntaxKind.PlusToken) {
    const left = piecesOf(endpoint, node.left, depth + 1);
    const right = piecesOf(endpoint, node.right, depth + 1);
    return { pieces: [...left.pieces, ...right.pieces], markup: left.markup || right.markup, text: left.text || right.text };
  }
  const literal = stringValue(node);
  if (literal !== undefined) return { pieces: [], markup: MARKUP.test(literal), text: true };
  // `const html = \`...\`; res.send(html)`: one hop through a local of the file.
  if (isIdentifier(node) && depth < 2) {
    const initializer = variablesByName(endpoint.index).get(node.text)?.initializer;
    if (initializer !== undefined) {
      const inner = piecesOf(endpoint, initializer, depth + 1);
      if (inner.text) return inner;
    }
  }
  return { pieces: [node], markup: false, text: false };
}

/** The content type set on `res`/`reply`/`ctx` before sending, by any call or assignment of the endpoint. */
function declaredType(endpoint: Endpoint): string | undefined {
  const index = endpoint.index;
  for (const call of index.callsNamed(/^(?:type|set|setHeader|header|contentType)$/, endpoint.scopes)) {
    const path = plainCalleePath(call);
    if (!/^(?:res|response|reply|ctx|c)\./.test(path)) continue;
    const first = stringValue(call.arguments[0]);
    if (first === undefined) continue;
    if (calleeName(call) === 'type' || calleeName(call) === 'contentType') return first;
    if (/^content-type$/i.test(first)) return stringValue(call.arguments[1]) ?? 'unknown';
  }
  // `ctx.type =` needs the name `ctx` or `context`: files without either skip building a path per assignment.
  if (!fileHtmlSenders(endpoint).contextAssignments) return undefined;
  for (const assignment of index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, endpoint.scopes)) {
    if (assignment.operatorToken.kind === SyntaxKind.EqualsToken && /^(?:ctx|context)\.(?:type|response\.type)$/.test(expressionPath(assignment.left))) return stringValue(assignment.right) ?? 'unknown';
  }
  return undefined;
}

/** `html` tags that escape their values: hono/html, lit, common-tags' safeHtml. */
function escapingTag(endpoint: Endpoint, expression: ts.Expression, depth = 0): string | undefined {
  const node = unwrapExpression(expression);
  if (isIdentifier(node) && depth === 0) {
    const initializer = variablesByName(endpoint.index).get(node.text)?.initializer;
    return initializer === undefined ? undefined : escapingTag(endpoint, initializer, 1);
  }
  // React's server renderers escape children; dangerouslySetInnerHTML inside is a sink of its own.
  if (isCallExpression(node) && /^(?:renderToString|renderToStaticMarkup)$/.test(calleeName(node))) return `React's ${calleeName(node)}(), which escapes what it renders`;
  if (isJsxElement(node) || isJsxSelfClosingElement(node) || isJsxFragment(node)) return 'JSX, which escapes what it interpolates';
  if (!isTaggedTemplateExpression(node)) return undefined;
  const tag = expressionPath(node.tag);
  const module = importSources(endpoint.index).get(tag)?.module;
  if (tag === 'html' && (module === undefined || /^(?:hono\/html|lit|lit-html|@hono\/.*)$/.test(module))) return `the ${tag}\`...\` template, which escapes its values`;
  if (tag === 'safeHtml') return 'the safeHtml`...` template, which escapes its values';
  return undefined;
}

/** Whether a `new Response(body, init)` init says text/html. */
function initIsHtml(endpoint: Endpoint, init: ts.Expression | undefined): boolean {
  if (init === undefined) return false;
  const node = unwrapExpression(init);
  if (!isObjectLiteralExpression(node)) return false;
  const headers = propertyValue(node, 'headers');
  if (headers === undefined) return false;
  return endpoint.index.nodesOfKind<ts.StringLiteral>(SyntaxKind.StringLiteral, [{ pos: headers.pos, end: headers.end }]).some((literal) => HTML_TYPE.test(literal.text) && literal.text.includes('/'));
}

const SEND_NAME = /^(?:send|end|write|html|body)$/;
const SEND_PATH = /^(?:res|response|reply|c|ctx)(?:\.(?:status|code|type|set|header|setHeader))*\.(?:send|end|write|html|body)$/;

/**
 * Adds `value` sent at `node` to `sinks` when it is HTML.
 */
function considerSink(endpoint: Endpoint, sinks: HtmlSink[], node: ts.Node, via: string, value: ts.Expression, html: boolean | 'text-default'): void {
  const escapedBy = escapingTag(endpoint, value);
  if (escapedBy !== undefined) {
    if (html !== false) sinks.push({ node, via, pieces: [], escapedBy });
    return;
  }
  const built = piecesOf(endpoint, value);
  // Express sends a string as text/html unless told otherwise (a fixed 'Not found' is no page, though); others need markup or an HTML type.
  const isHtml = html === true || built.markup || (html === 'text-default' && built.text && built.pieces.length > 0);
  if (isHtml) sinks.push({ node, via, pieces: built.pieces });
}

/** Properties whose assignment may answer HTML (`ctx.body`, `el.innerHTML`). */
const HTML_TARGET_NAMES = new Set(['body', 'innerHTML', 'outerHTML']);

/**
 * Whether an assignment to `target` may write `ctx.body`, `ctx.response.body` or an `innerHTML`: a quick
 * look at its last name, so that the path of every other assignment of the endpoint is not built.
 */
function mayAssignHtml(target: ts.Expression): boolean {
  const node = unwrapExpression(target);
  if (isPropertyAccessExpression(node)) return HTML_TARGET_NAMES.has(node.name.text);
  // A plain name has no dot for either pattern to match; anything else (`ctx['body']`) is read in full.
  return !isIdentifier(node);
}

const NO_NEW: readonly ts.NewExpression[] = [];
const NO_BINARY: readonly ts.BinaryExpression[] = [];

/**
 * Which scans of the endpoint's code can find anything in the file: `new Response(...)` needs the name `Response`
 * or `NextResponse`; an assignment to `ctx.body` or `ctx.type` the name `ctx` or `context`, one to an `innerHTML`
 * that name. Most files have none of them.
 */
function fileHtmlSenders(endpoint: Endpoint): { responses: boolean; contextAssignments: boolean; assignments: boolean } {
  const index = endpoint.index;
  return index.memo('xss:fileSenders', () => {
    const contextAssignments = index.mayHaveIdentifier('ctx') || index.mayHaveIdentifier('context');
    return {
      responses: index.mayHaveIdentifier('Response') || index.mayHaveIdentifier('NextResponse'),
      contextAssignments,
      assignments: contextAssignments || index.mayHaveIdentifier('innerHTML') || index.mayHaveIdentifier('outerHTML'),
    };
  });
}

/** Every place the endpoint answers HTML. */
export function htmlSinks(endpoint: Endpoint): HtmlSink[] {
  const index = endpoint.index;
  const sinks: HtmlSink[] = [];
  let type: string | undefined | null = null;
  for (const call of index.callsNamed(SEND_NAME, endpoint.scopes)) {
    const path = plainCalleePath(call);
    const value = call.arguments[0];
    if (!SEND_PATH.test(path) || value === undefined) continue;
    const via = `${path}()`;
    // The declared content type, read once when first needed.
    const declared = type === null ? (type = declaredType(endpoint)) : type;
    if (declared !== undefined && !HTML_TYPE.test(declared)) continue;
    if (calleeName(call) === 'html') considerSink(endpoint, sinks, call, via, value, true);
    else if (declared !== undefined) considerSink(endpoint, sinks, call, via, value, true);
    else considerSink(endpoint, sinks, call, via, value, endpoint.framework === 'express' && /\.send$/.test(path) ? 'text-default' : false);
  }
  // The scans below look for names most files never use (`Response`, `ctx.body`, `innerHTML`): such files skip them.
  const senders = fileHtmlSenders(endpoint);
  for (const created of senders.responses ? index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, endpoint.scopes) : NO_NEW) {
    // `new Response(...)`: a plain name, read without building the callee's path.
    const callee = unwrapExpression(created.expression);
    const body = created.arguments?.[0];
    if (!isIdentifier(callee) || (callee.text !== 'Response' && callee.text !== 'NextResponse') || body === undefined) continue;
    considerSink(endpoint, sinks, created, `new ${callee.text}()`, body, initIsHtml(endpoint, created.arguments?.[1]));
  }
  for (const assignment of senders.assignments ? index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, endpoint.scopes) : NO_BINARY) {
    if (assignment.operatorToken.kind !== SyntaxKind.EqualsToken || !mayAssignHtml(assignment.left)) continue;
    const target = expressionPath(assignment.left);
    // Koa answers a string starting with `<` as text/html.
    if (/^(?:ctx|context)\.(?:body|response\.body)$/.test(target)) {
      const declared = type === null ? (type = declaredType(endpoint)) : type;
      considerSink(endpoint, sinks, assignment, 'ctx.body', assignment.right, declared !== undefined && HTML_TYPE.test(declared));
    } else if (/\.(?:innerHTML|outerHTML)$/.test(target)) considerSink(endpoint, sinks, assignment, target, assignment.right, true);
  }
  for (const attribute of index.nodesOfKind<ts.JsxAttribute>(SyntaxKind.JsxAttribute, endpoint.scopes)) {
    if (!isIdentifier(attribute.name) || attribute.name.text !== 'dangerouslySetInnerHTML') continue;
    const initializer = attribute.initializer;
    if (initializer === undefined || !isJsxExpression(initializer) || initializer.expression === undefined) continue;
    const object = unwrapExpression(initializer.expression);
    const html = isObjectLiteralExpression(object) ? propertyValue(object, '__html') : undefined;
    if (html !== undefined) sinks.push({ node: attribute, via: 'dangerouslySetInnerHTML', pieces: piecesOf(endpoint, html).pieces });
  }
  // Template engines (EJS, Pug, Handlebars, Nunjucks) escape `{{ }}`/`<%= %>` by default.
  for (const render of index.callsNamed(/^render$/, endpoint.scopes)) {
    if (/^(?:res|response|reply|ctx)\.render$/.test(plainCalleePath(render))) sinks.push({ node: render, via: `${plainCalleePath(render)}()`, pieces: [], escapedBy: 'the template engine, which escapes values by default' });
  }
  return sinks;
}

/** How to wrap a value with an escaper the file already imports, e.g. `escapeHtml(%)`; undefined when none is imported. */
export function importedEscaper(endpoint: Endpoint): string | undefined {
  return endpoint.index.memo('xss:escaper', () => {
    for (const [local, { module, imported }] of importSources(endpoint.index)) {
      if (/^(?:escape-html|sanitize-html|xss|lodash\/escape|lodash\.escape)$/.test(module)) return `${local}(%)`;
      if (module === 'he') return imported === 'default' || imported === '*' ? `${local}.escape(%)` : `${local}(%)`;
      if (/^(?:dompurify|isomorphic-dompurify)$/.test(module)) return `${local}.sanitize(%)`;
      if (/^(?:lodash|lodash-es|html-escaper|validator)$/.test(module) && imported === 'escape') return `${local}(%)`;
    }
    return undefined;
  });
}
