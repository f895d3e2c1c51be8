/**
 * reflected-xss for Python (input.xss): the TypeScript check's idea and id.
 * HTML answers: FastAPI/Starlette `HTMLResponse`, Django `HttpResponse`
 * (text/html by default), `mark_safe` / `SafeString` / `Markup` (which turn
 * escaping off), Flask `render_template_string` and a Flask view returning
 * a string. Request data in them without `html.escape` / `markupsafe.escape`
 * / `bleach.clean` / `format_html` is a finding; templates rendered with
 * `render_template` / `render` escape (Jinja and Django autoescape). n/a when
 * the endpoint answers no HTML.
 */
import tsCheck from '../../input-validation/reflected-xss.js';
import { calleeName, childByField, enclosingFunction, keywordArgument, namedChild, plainCalleePath, positionalArguments, unwrapExpression } from '../../lang/py/queries.js';
import type { PyNode } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { callerValueIn, callerValuesIn, requestDataOf, type RequestValue } from './request-data.js';

const HTML_SINK = /^(?:HTMLResponse|HttpResponse|mark_safe|SafeString|Markup|render_template_string|make_response)$/;
const ESCAPER = /^(?:escape|conditional_escape|format_html|clean|linkify|sanitize|sanitize_html|escape_html|quote)$/;
const TEMPLATE_RENDER = /^(?:render_template|render|TemplateResponse|render_to_string|render_to_response)$/;

type Sink = { node: PyNode; via: string; content: PyNode };

export default createPyCheck({
  id: 'reflected-xss',
  items: ['input.xss'],
  ...siblingMetadata(tsCheck),
  messages: {
    xss: tsCheck.messages.xss,
    template: '{{via}} renders a template taken from {{data}}: the caller writes the template itself (HTML, and Jinja code that runs on the server).',
  },
  fix: {
    fastapi: 'Escape what goes into the page: `HTMLResponse(f"<p>Hello {html.escape(name)}</p>")`, or render a Jinja2 template (`templates.TemplateResponse(...)`, autoescaped), or answer JSON.',
    'django-rest-framework': 'Answer JSON with `Response(...)`, or build HTML with `format_html("<p>{}</p>", name)` / a template (autoescaped); never `mark_safe` or `HttpResponse(f"...{value}...")` with request data.',
    flask: 'Render a template file (`render_template("hello.html", name=name)`, Jinja autoescapes), or escape: `return f"<p>Hello {escape(name)}</p>"` with `markupsafe.escape`; never pass request data to `render_template_string` or `Markup`.',
    default: 'Escape values written into HTML (`html.escape`, `markupsafe.escape`), sanitise HTML you must keep (`bleach.clean`, `nh3.clean`), render autoescaping templates, or answer JSON.',
  },
  run(context) {
    const { endpoint } = context;
    const { index } = endpoint;
    const data = requestDataOf(endpoint);
    const sinks = htmlSinks(endpoint);
    const templates = index.callsNamed(TEMPLATE_RENDER, endpoint.scopes);
    if (sinks.length === 0) {
      if (templates.length > 0) context.pass('input.xss', { node: templates[0], note: `${plainCalleePath(templates[0])}() renders a template that escapes what it interpolates (autoescape)` });
      else context.notApplicable('input.xss', 'the endpoint answers no HTML');
      return;
    }
    let escaped: Sink | undefined;
    for (const sink of sinks) {
      const value = unescapedValue(endpoint, sink.content);
      if (value !== undefined) {
        const templateFromInput = calleeName(sink.node) === 'render_template_string' && unwrapExpression(sink.content).type !== 'string';
        context.report({ messageId: templateFromInput ? 'template' : 'xss', node: sink.node, data: { via: sink.via, data: value.label } });
        return;
      }
      if (callerValueIn(endpoint, data, sink.content) !== undefined) escaped ??= sink;
    }
    if (escaped !== undefined) {
      const escaper = index.callsNamed(ESCAPER, [{ pos: escaped.content.pos, end: escaped.content.end }])[0];
      context.pass('input.xss', { node: escaper ?? escaped.node, note: `request data is escaped with ${escaper === undefined ? 'an escaper' : `${plainCalleePath(escaper)}()`} before it goes into HTML` });
      return;
    }
    context.pass('input.xss', { node: sinks[0].node, note: `${sinks[0].via} writes only fixed text into its HTML` });
  },
});

/** HTML answers in the endpoint's code, with the expression that becomes the page. */
function htmlSinks(endpoint: PyEndpoint): Sink[] {
  const { index } = endpoint;
  const sinks: Sink[] = [];
  for (const call of index.callsNamed(HTML_SINK, endpoint.scopes)) {
    const name = calleeName(call);
    const content = positionalArguments(call)[0] ?? keywordArgument(call, 'content') ?? keywordArgument(call, 'source');
    if (content === undefined) continue;
    // Django's HttpResponse with a non-HTML content type, and Flask make_response of a non-string, are not pages.
    const type = keywordArgument(call, 'content_type') ?? keywordArgument(call, 'media_type');
    if (type !== undefined && !/html/.test(index.textOf(type))) continue;
    if (name === 'make_response' && !isStringExpression(content)) continue;
    sinks.push({ node: call, via: `\`${plainCalleePath(call)}()\``, content });
  }
  // A Flask view that returns a string answers text/html.
  if (endpoint.framework === 'flask' && endpoint.handler !== undefined) {
    for (const statement of index.nodesOfType('return_statement', [{ pos: endpoint.handler.pos, end: endpoint.handler.end }])) {
      if (enclosingFunction(statement) !== endpoint.handler) continue;
      let value = namedChild(statement, 0);
      if (value !== undefined && unwrapExpression(value).type === 'tuple') value = namedChild(unwrapExpression(value), 0);
      if (value !== undefined && isStringExpression(value)) sinks.push({ node: statement, via: 'The view\'s returned string (Flask sends it as text/html)', content: value });
    }
  }
  return sinks.sort((a, b) => a.node.pos - b.node.pos);
}

function isStringExpression(node: PyNode): boolean {
  const target = unwrapExpression(node);
  if (target.type === 'string' || target.type === 'concatenated_string') return true;
  if (target.type === 'binary_operator') return [childByField(target, 'left'), childByField(target, 'right')].some((side) => side !== undefined && isStringExpression(side));
  return target.type === 'call' && calleeName(target) === 'format' && isStringExpression(childByField(childByField(target, 'function')!, 'object') ?? target);
}

/** Request data inside `content` that no escaper wraps. */
function unescapedValue(endpoint: PyEndpoint, content: PyNode): RequestValue | undefined {
  const data = requestDataOf(endpoint);
  return callerValuesIn(endpoint, data, content).find((value) => !escapedWithin(value.node, content));
}

function escapedWithin(node: PyNode, content: PyNode): boolean {
  for (let current = node.parent; current !== undefined && current.pos >= content.pos && current.end <= content.end; current = current.parent) {
    if (current.type === 'call' && ESCAPER.test(calleeName(current))) return true;
    if (current === content) break;
  }
  return false;
}
