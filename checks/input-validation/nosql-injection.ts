/**
 * nosql-injection (input.sql): MongoDB queries built from the caller's
 * objects. JSON bodies (and Express query strings, through `qs`) can carry
 * objects where a string was expected: `{ "password": { "$ne": null } }`
 * matches any password. Reported: a whole body or query used as a filter,
 * a filter field whose value can be an object, `$where` with input, an
 * operator key taken from input, and `$regex` from unescaped input. Safe:
 * a schema's output, `String(x)` or a template, `new ObjectId(x)`, a
 * `typeof x === 'string'` check, path parameters, Mongoose `sanitizeFilter`
 * and express-mongo-sanitize.
 */
import { ts, isArrayLiteralExpression, isComputedPropertyName, isIdentifier, isObjectLiteralExpression, isPropertyAssignment, isShorthandPropertyAssignment, isSpreadAssignment, isStringLiteral } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { calleeName, calleeObject, expressionPath, importedModules, plainCalleePath, unwrapExpression } from '../lang/ts/queries.js';
import { codeRegions, type Endpoint } from '../frameworks/endpoint.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { inputFlowOf, type InputFlow, type RawValue } from './input-flow.js';

/** Mongo and Mongoose query methods, with the position of their filter. */
const QUERY_METHOD = /^(?:find|findOne|findOneAndUpdate|findOneAndDelete|findOneAndRemove|findOneAndReplace|updateOne|updateMany|deleteOne|deleteMany|replaceOne|countDocuments|count|exists|distinct|aggregate|remove)$/;
const MONGO_MODULE = /^(?:mongoose|mongodb|@nestjs\/mongoose|monk|mongojs|@typegoose\/typegoose)$/;
/** ORMs whose `find({ where })` takes typed values, never operator objects from JSON. */
const OTHER_ORM_MODULE = /^(?:sequelize|typeorm|@prisma\/client|drizzle-orm|@mikro-orm\/core|knex|objection)$/;
/** Top-level keys of a non-Mongo finder's options. */
const ORM_OPTION_KEY = /^(?:where|select|include|relations|order|orderBy|take|skip|limit|offset|attributes|data)$/;
/** Sanitisers that strip `$` keys from the whole request, or make Mongoose do it. */
const SANITIZER = /\bmongoSanitize\s*\(|express-mongo-sanitize|\bsanitizeFilter\b|mongo-sanitize/;

interface MongoQuery {
  call: ts.CallExpression;
  filter: ts.Expression;
}

/** Whether the receiver is a Mongo collection or Mongoose model: by the file's imports, `db.collection(...)`, `this.userModel`, `User.find`. */
function isMongoReceiver(endpoint: Endpoint, call: ts.CallExpression): boolean {
  const receiver = calleeObject(call);
  if (receiver === undefined) return false;
  const path = expressionPath(receiver);
  if (/(?:^|\.)collection\(\)$|Collection$|(?:^|\.)\w*Model$/.test(path)) return true;
  const imports = databaseImports(endpoint.index);
  if (imports.otherOrm && !imports.mongo) return false;
  return imports.mongo || /^[A-Z]\w*$/.test(path.split('.')[0]);
}

/** Whether the file imports a Mongo driver or another ORM: asked for every query call, answered once per file. */
function databaseImports(index: SourceIndex): { mongo: boolean; otherOrm: boolean } {
  return index.memo('nosql:databaseImports', () => {
    const modules = [...importedModules(index)];
    return { mongo: modules.some((module) => MONGO_MODULE.test(module)), otherOrm: modules.some((module) => OTHER_ORM_MODULE.test(module)) };
  });
}

function mongoQueries(endpoint: Endpoint): MongoQuery[] {
  const queries: MongoQuery[] = [];
  for (const call of endpoint.index.callsNamed(QUERY_METHOD, endpoint.scopes)) {
    const name = calleeName(call);
    const filter = call.arguments[name === 'distinct' ? 1 : 0];
    if (filter === undefined || !isMongoReceiver(endpoint, call)) continue;
    const unwrapped = unwrapExpression(filter);
    // find({ where: ... }) is Sequelize or TypeORM; Prisma has no `find`.
    if (isObjectLiteralExpression(unwrapped) && unwrapped.properties.some((property) => property.name !== undefined && isIdentifier(property.name) && ORM_OPTION_KEY.test(property.name.text))) continue;
    if (/^(?:prisma|this\.prisma|ctx\.prisma|ctx\.db|db\.query)\b/.test(plainCalleePath(call))) continue;
    queries.push({ call, filter });
  }
  return queries;
}

/** Values that can arrive as objects: JSON bodies always; query strings where Express parses them with `qs`. */
function canBeObject(endpoint: Endpoint, value: RawValue): boolean {
  if (value.stringCast || value.gate !== undefined) return false;
  if (value.part === 'body') return true;
  return value.part === 'query' && (endpoint.framework === 'express' || endpoint.framework === 'nestjs') && !value.label.includes('searchParams');
}

interface Problem {
  messageId: 'wholeFilter' | 'operatorValue' | 'where' | 'operatorKey' | 'regex';
  node: ts.Node;
  value: RawValue;
  key?: string;
}

function keyOf(property: ts.ObjectLiteralElementLike): string | undefined {
  const name = property.name;
  if (name === undefined) return undefined;
  if (isIdentifier(name) || isStringLiteral(name)) return name.text;
  return undefined;
}

/** Problems of one filter (or `$match` stage): walks object literals of the filter itself, no further. */
function filterProblems(endpoint: Endpoint, flow: InputFlow, filter: ts.Expression, at: number, depth = 0): Problem[] {
  if (depth > 6) return [];
  const expression = unwrapExpression(filter);
  if (isArrayLiteralExpression(expression)) return expression.elements.flatMap((element) => filterProblems(endpoint, flow, element, at, depth + 1));
  if (!isObjectLiteralExpression(expression)) {
    const value = flow.rawIn(expression, at);
    return value !== undefined && value.whole && canBeObject(endpoint, value) ? [{ messageId: 'wholeFilter', node: expression, value }] : [];
  }
  const problems: Problem[] = [];
  for (const property of expression.properties) {
    if (isSpreadAssignment(property)) {
      const value = flow.rawIn(property.expression, at);
      if (value !== undefined && canBeObject(endpoint, value)) problems.push({ messageId: 'wholeFilter', node: property, value });
      continue;
    }
    if (property.name !== undefined && isComputedPropertyName(property.name)) {
      const value = flow.rawIn(property.name.expression, at);
      if (value !== undefined && value.gate === undefined && value.part !== 'params') problems.push({ messageId: 'operatorKey', node: property, value });
      continue;
    }
    const key = keyOf(property);
    const initializer = isPropertyAssignment(property) ? property.initializer : isShorthandPropertyAssignment(property) ? property.name : undefined;
    if (key === undefined || initializer === undefined) continue;
    if (key === '$where' || key === '$function' || key === '$accumulator') {
      const value = flow.rawIn(initializer, at);
      if (value !== undefined && value.gate === undefined) problems.push({ messageId: 'where', node: property, value, key });
      continue;
    }
    if (key === '$regex') {
      const value = flow.rawIn(initializer, at);
      if (value !== undefined && value.gate === undefined && value.escaped !== true && value.part !== 'params') problems.push({ messageId: 'regex', node: property, value, key });
      continue;
    }
    if (key === '$and' || key === '$or' || key === '$nor' || key === '$match' || key === '$elemMatch' || key === '$not') {
      problems.push(...filterProblems(endpoint, flow, initializer, at, depth + 1));
      continue;
    }
    // `$eq`, `$in`, `$ne`... compare against the value as a literal: an object there is no operator.
    if (key.startsWith('$')) continue;
    const unwrapped = unwrapExpression(initializer);
    if (isObjectLiteralExpression(unwrapped)) {
      problems.push(...filterProblems(endpoint, flow, unwrapped, at, depth + 1));
      continue;
    }
    const value = flow.rawIn(initializer, at);
    if (value !== undefined && canBeObject(endpoint, value)) problems.push({ messageId: 'operatorValue', node: initializer, value, key });
  }
  return problems;
}

/**
 * One suggestion for a Mongoose filter whose only problems are values that
 * can be objects, all on one line: each wrapped in `String(...)`. Mongoose
 * casts the string back to the path's type (ObjectId, Number, Boolean), so
 * a legitimate value still matches; the native driver does not, so no
 * suggestion there.
 */
function castSuggestion(endpoint: Endpoint, call: ts.CallExpression, problems: Problem[]): { line: number; endLine: number; replacement: string } | undefined {
  if (problems.length === 0 || problems.some((problem) => problem.messageId !== 'operatorValue')) return undefined;
  if (/(?:^|\.)collection\(\)/.test(expressionPath(call.expression))) return undefined;
  const index = endpoint.index;
  const line = index.lineOf(problems[0].node);
  if (problems.some((problem) => index.lineOf(problem.node) !== line || index.endLineOf(problem.node) !== line)) return undefined;
  const lineStart = index.sourceFile.getPositionOfLineAndCharacter(line - 1, 0);
  let text = index.lineText(line);
  // Right to left, so that earlier offsets stay valid.
  for (const problem of [...problems].sort((a, b) => b.node.pos - a.node.pos)) {
    const node = problem.node;
    const start = node.getStart(index.sourceFile) - lineStart;
    const end = node.end - lineStart;
    const original = index.textOf(node);
    const shorthand = node.parent !== undefined && isShorthandPropertyAssignment(node.parent);
    text = `${text.slice(0, start)}${shorthand ? `${original}: String(${original})` : `String(${original})`}${text.slice(end)}`;
  }
  return { line, endLine: line, replacement: text };
}

/** A sanitiser seen in the endpoint's code, its controls or the file: express-mongo-sanitize, Mongoose `sanitizeFilter`. */
function sanitizerOf(endpoint: Endpoint): { node?: ts.Node; line?: number; file?: string; note: string } | undefined {
  for (const control of endpoint.controls) {
    if (/mongoSanitize|sanitize/i.test(control.name)) return { node: control.node, note: `${control.name}() strips operator keys from the request` };
  }
  for (const region of codeRegions(endpoint)) {
    const match = SANITIZER.exec(region.index.text);
    if (match !== null) return { line: region.index.lineAt(match.index), file: region.index.path, note: `${match[0].replace(/\s*\($/, '()')} strips operator keys from query filters` };
  }
  return undefined;
}

export default createCheck({
  id: 'nosql-injection',
  items: ['input.sql'],
  description: 'A MongoDB query is built from request objects that can carry query operators.',
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-943'],
  owasp: ['API8:2023'],
  messages: {
    wholeFilter: '{{call}} uses {{data}} from the request as its filter: the caller chooses the whole query, operators included.',
    operatorValue: '{{call}} matches `{{key}}` against {{data}}, which can be an object such as `{ "$ne": null }`: the caller can turn the match into any condition.',
    where: '{{call}} runs `{{key}}` JavaScript built from {{data}}: the caller can run code in the database.',
    operatorKey: '{{call}} takes a filter key from {{data}}: the caller chooses the field or operator.',
    regex: '{{call}} uses {{data}} as a `$regex` without escaping it: the caller can match anything, or send a pattern that hangs the database (ReDoS).',
  },
  why: "MongoDB reads `$`-keys as operators, so a JSON value like `{ \"$ne\": null }` where a string was expected matches every document (login bypass, data dump); `$where` runs JavaScript (NoSQL injection, CWE-943).",
  fix: {
    default:
      'Validate the input with a schema (zod `z.string()`), or cast it: `User.findOne({ email: String(req.body.email) })`; ids through `new ObjectId(id)`. App-wide, `mongoose.set(\'sanitizeFilter\', true)` or `app.use(mongoSanitize())` strips operator keys. Never build `$where` from input; escape `$regex` input (`escapeStringRegexp(q)`).',
  },
  run(context) {
    const { endpoint, config } = context;
    const queries = mongoQueries(endpoint);
    if (queries.length === 0) {
      context.notApplicable('input.sql', 'no MongoDB query in the endpoint’s code');
      return;
    }
    const flow = inputFlowOf(endpoint, config);
    const sanitizer = sanitizerOf(endpoint);
    let reported = false;
    for (const { call, filter } of queries) {
      // A sanitiser strips `$` keys from input; `$where` text and regexes are still the caller's.
      const problems = filterProblems(endpoint, flow, filter, call.pos).filter((problem) => sanitizer === undefined || (problem.messageId !== 'wholeFilter' && problem.messageId !== 'operatorValue'));
      const suggestion = castSuggestion(endpoint, call, problems);
      problems.forEach((problem, position) => {
        const severity = problem.messageId === 'regex' ? 'medium' : problem.messageId === 'where' ? 'critical' : 'high';
        context.report({
          messageId: problem.messageId,
          node: problem.node,
          severity,
          data: { call: `\`${plainCalleePath(call)}()\``, data: `\`${problem.value.label}\``, key: problem.key ?? '' },
          suggestion: position === 0 ? suggestion : undefined,
        });
        reported = true;
      });
    }
    if (reported) return;
    if (sanitizer !== undefined) {
      context.pass('input.sql', sanitizer);
      return;
    }
    const first = queries[0].call;
    context.pass('input.sql', { node: first, note: `${plainCalleePath(first)}() filters on values that cannot carry query operators (validated, cast or path parameters)` });
  },
});
