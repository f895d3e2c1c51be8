/**
 * What a value carries, for the checks that look at what leaves the process
 * (responses, logs): secret-named fields, whole records of sensitive models
 * read through an ORM, and what narrows them (Prisma `select`/`omit`,
 * Drizzle columns, Mongoose `.select('-password')`, Sequelize `attributes`,
 * TypeORM `select`, DTO mappers, rest-destructuring that drops the secret).
 */
import { ts, SyntaxKind, isArrowFunction, isAwaitExpression, isBindingElement, isBlock, isCallExpression, isIdentifier, isObjectBindingPattern, isObjectLiteralExpression, isPropertyAssignment, isStringLiteral, isVariableDeclaration } from '../lang/ts/parse.js';
import { calleeName, calleeObject, expressionPath, plainCalleePath, stringValue, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { KeySlots } from '../lang/key-slots.js';

/** Field names that are secrets whatever record they are on. */
const SECRET_FIELD =
  /^(?:password|passwd|pwd|passwordHash|password_hash|hashedPassword|hashed_password|encryptedPassword|hash|salt|passwordSalt|resetToken|reset_token|resetPasswordToken|passwordResetToken|verificationToken|apiKey|api_key|apiSecret|secret|clientSecret|client_secret|accessToken|access_token|refreshToken|refresh_token|idToken|sessionToken|ssn|socialSecurityNumber|mfaSecret|totpSecret|twoFactorSecret|otpSecret|privateKey|private_key|creditCard|cardNumber|cvv)$/i;
/** Secret-looking suffixes (`stripeSecret`, `githubAccessToken`), minus tokens meant for the client. */
const SECRET_SUFFIX = /(?:Password|Secret|AccessToken|RefreshToken|ApiKey|PrivateKey|PasswordHash)$/;
const CLIENT_TOKEN = /^(?:csrfToken|xsrfToken|nextToken|pageToken|cursor\w*|continuationToken)$/i;

export function isSecretField(name: string): boolean {
  return !CLIENT_TOKEN.test(name) && (SECRET_FIELD.test(name) || SECRET_SUFFIX.test(name));
}

/** Models whose rows carry credentials or personal data. */
const SENSITIVE_MODEL = /^(?:users?|accounts?|customers?|members?|memberships?|sessions?|tokens?|credentials?|admins?|profiles?|employees?|patients?|apiKeys?|identit(?:y|ies)|authUsers?|people|persons?|contacts?)$/i;

export function isSensitiveModel(name: string): boolean {
  return SENSITIVE_MODEL.test(name.replace(/(?:Repository|Repo|Model|Table|Schema|Entity)$/, ''));
}

export type Carried =
  | { kind: 'field'; name: string; node: ts.Node; object?: ts.ObjectLiteralExpression }
  | { kind: 'record'; model: string; node: ts.Node }
  | { kind: 'narrowed'; model: string; node: ts.Node; note: string }
  | { kind: 'opaque'; node: ts.Node; reason: string };

const DTO_CALL = /^(?:to\w*(?:Dto|DTO|Response|Json|View|Public|Safe)\w*|toPublic\w*|toSafe\w*|serialize\w*|sanitize\w*|omit\w*|pick\w*|plainToInstance|plainToClass|instanceToPlain|classToPlain|strip\w*|without\w*|present\w*|redact\w*|exclude\w*|publicUser|safeUser)$/;
const DTO_CLASS = /(?:Dto|DTO|Response|View|Resource|Presenter|Serializer)$/;
const READ_METHOD = /^(?:findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|findMany|create|update|upsert|delete|findById|findOne|find|findByPk|findAll|findOneBy|findBy|findOneOrFail|findOneByOrFail|findByIdAndUpdate|findOneAndUpdate|findByIdAndDelete|findAndCountAll|save|getOne|getMany|getOneOrFail|returning|execute|first|firstOrFail)$/;
/** Chained calls that narrow a query to chosen columns. */
const NARROWING_CHAIN = /^(?:select|addSelect|projection|columns|pick|omit)$/;
/** Option keys that narrow: Prisma select/omit, Drizzle columns, Sequelize attributes, Mongoose/TypeORM select/projection. */
const NARROWING_OPTION = new Set(['select', 'omit', 'columns', 'attributes', 'projection', 'fields']);

/** Local declarations per endpoint (keyed by its scopes array, which every check shares). */
const localsByScopes = new KeySlots<readonly unknown[], Map<string, ts.VariableDeclaration | ts.BindingElement>>('sensitiveLocals');

/** Local declarations of the endpoint by name, falling back to the file's. */
function declarationOf(endpoint: Endpoint, name: string): ts.VariableDeclaration | ts.BindingElement | undefined {
  let local = localsByScopes.get(endpoint.scopes);
  if (local === undefined) {
    local = new Map();
    for (const declaration of endpoint.index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes)) {
      if (isIdentifier(declaration.name)) {
        if (!local.has(declaration.name.text)) local.set(declaration.name.text, declaration);
      } else {
        for (const element of declaration.name.elements) if (isBindingElement(element) && isIdentifier(element.name) && !local.has(element.name.text)) local.set(element.name.text, element);
      }
    }
    localsByScopes.set(endpoint.scopes, local);
  }
  return local.get(name) ?? variablesByName(endpoint.index).get(name);
}

/** The model a query reads: `db.user.findUnique` gives user, `User.findById` User, `db.select().from(users)` users. */
function modelOf(chain: ts.CallExpression[], read: ts.CallExpression): string | undefined {
  for (const call of chain) {
    const name = calleeName(call);
    if (name === 'from' || name === 'getRepository' || name === 'createQueryBuilder') {
      const argument = call.arguments[0];
      if (argument !== undefined) return isIdentifier(argument) ? argument.text : stringValue(argument);
    }
  }
  const path = plainCalleePath(read).split('.');
  path.pop();
  // `prisma.user`, `this.usersRepository`, `db.query.users`, `User`
  return path.filter((segment) => !/^(?:this|prisma|db|tx|ctx|ctx\.db|client|query|database)$/.test(segment)).pop();
}

/** The calls of a chain from outermost to innermost: `User.findById(id).select('-password').lean()`. */
function chainOf(call: ts.CallExpression): ts.CallExpression[] {
  const chain = [call];
  let current: ts.Expression | undefined = calleeObject(call);
  while (current !== undefined) {
    const inner = unwrapExpression(current);
    if (!isCallExpression(inner)) break;
    chain.push(inner);
    current = calleeObject(inner);
  }
  return chain;
}

function narrowingOption(call: ts.CallExpression): ts.Node | undefined {
  for (const argument of call.arguments) {
    const object = unwrapExpression(argument);
    if (!isObjectLiteralExpression(object)) continue;
    for (const property of object.properties) {
      const key = property.name !== undefined && (isIdentifier(property.name) || isStringLiteral(property.name)) ? property.name.text : undefined;
      if (key !== undefined && NARROWING_OPTION.has(key)) return property;
    }
  }
  return undefined;
}

/** A database read (or write that returns the row) and what it returns. */
function queryResult(call: ts.CallExpression): Carried | undefined {
  const chain = chainOf(call);
  // Drizzle's core API reads with select().from(table), without a read verb.
  const read = chain.find((link) => READ_METHOD.test(calleeName(link))) ?? (chain.some((link) => calleeName(link) === 'select') ? chain.find((link) => calleeName(link) === 'from') : undefined);
  if (read === undefined) return undefined;
  const model = modelOf(chain, read);
  if (model === undefined || !isSensitiveModel(model)) return undefined;
  for (const link of chain) {
    const name = calleeName(link);
    if (NARROWING_CHAIN.test(name) && link.arguments.length > 0) return { kind: 'narrowed', model, node: link, note: `${plainCalleePath(link)}(${link.arguments.map((a) => a.getText()).join(', ')}) picks the fields of ${model} it returns` };
    const option = narrowingOption(link);
    if (option !== undefined) return { kind: 'narrowed', model, node: option, note: `\`${option.getText().split('\n')[0]}\` picks the fields of ${model} it returns` };
    // Mongoose: find(filter, projection), findById(id, projection).
    if (/^(?:find|findOne|findById)$/.test(name) && /^[A-Z]/.test(plainCalleePath(link)) && link.arguments.length >= 2 && stringValue(link.arguments[1]) !== undefined) {
      return { kind: 'narrowed', model, node: link.arguments[1], note: `the projection ${link.arguments[1].getText()} picks the fields of ${model} it returns` };
    }
  }
  return { kind: 'record', model, node: call };
}

/*
 * Kinds read once and compared directly: carriedBy asks what every node of every sent value is, and a chain
 * of ts.isX calls there (not inlined, each with a load that sees every kind of node) was most of its cost.
 */
const AWAIT = SyntaxKind.AwaitExpression;
const OBJECT_LITERAL = SyntaxKind.ObjectLiteralExpression;
const ARRAY_LITERAL = SyntaxKind.ArrayLiteralExpression;
const CONDITIONAL = SyntaxKind.ConditionalExpression;
const IDENTIFIER = SyntaxKind.Identifier;
const NEW = SyntaxKind.NewExpression;
const ELEMENT_ACCESS = SyntaxKind.ElementAccessExpression;
const PROPERTY_ACCESS = SyntaxKind.PropertyAccessExpression;
const CALL = SyntaxKind.CallExpression;
const STRING_LITERAL = SyntaxKind.StringLiteral;
const PROPERTY_ASSIGNMENT = SyntaxKind.PropertyAssignment;
const SHORTHAND_ASSIGNMENT = SyntaxKind.ShorthandPropertyAssignment;
const SPREAD_ASSIGNMENT = SyntaxKind.SpreadAssignment;
const SPREAD_ELEMENT = SyntaxKind.SpreadElement;

/** What `expression` carries that matters for secrets, following locals of the endpoint. */
export function carriedBy(endpoint: Endpoint, expression: ts.Expression, depth = 0, out: Carried[] = []): Carried[] {
  if (depth > 6) return out;
  const node = unwrapExpression(expression);
  // Recursion by direct calls, not through a closure made on every step.
  const inner = depth + 1;
  switch (node.kind) {
    case AWAIT:
      return carriedBy(endpoint, (node as ts.AwaitExpression).expression, inner, out);
    case OBJECT_LITERAL:
      return objectCarries(endpoint, node as ts.ObjectLiteralExpression, inner, out);
    case ARRAY_LITERAL:
      for (const element of (node as ts.ArrayLiteralExpression).elements) carriedBy(endpoint, element.kind === SPREAD_ELEMENT ? (element as ts.SpreadElement).expression : element, inner, out);
      return out;
    case CONDITIONAL:
      carriedBy(endpoint, (node as ts.ConditionalExpression).whenTrue, inner, out);
      return carriedBy(endpoint, (node as ts.ConditionalExpression).whenFalse, inner, out);
    case IDENTIFIER: {
      const declaration = declarationOf(endpoint, (node as ts.Identifier).text);
      if (declaration === undefined) return out;
      if (isBindingElement(declaration)) return restOf(endpoint, declaration, out, depth);
      if (declaration.initializer !== undefined) carriedBy(endpoint, declaration.initializer, inner, out);
      return out;
    }
    case NEW: {
      const name = expressionPath((node as ts.NewExpression).expression);
      if (DTO_CLASS.test(name)) out.push({ kind: 'narrowed', model: name, node, note: `the response is mapped to ${name}` });
      return out;
    }
    // `rows[0]`: an element of the result is a row of it.
    case ELEMENT_ACCESS:
      return carriedBy(endpoint, (node as ts.ElementAccessExpression).expression, inner, out);
    case PROPERTY_ACCESS:
      // `req.user`: whatever the auth layer stored, often the whole row.
      // The path ends with the property's name: only `.user` can be it, so no path is built for the others.
      if ((node as ts.PropertyAccessExpression).name.text === 'user' && /^(?:req|request|ctx\.state|ctx\.req)\.user$/.test(expressionPath(node))) {
        out.push({ kind: 'opaque', node, reason: `${expressionPath(node)} is whatever the authentication layer stored (often the whole user row, password hash included); check what it holds` });
      }
      return out;
    case CALL:
      return callCarries(endpoint, node as ts.CallExpression, depth, out);
    default:
      return out;
  }
}

/** `{ token, user: row, ...rest }`: secret-named keys, and what the values carry. */
function objectCarries(endpoint: Endpoint, node: ts.ObjectLiteralExpression, inner: number, out: Carried[]): Carried[] {
  for (const property of node.properties) {
    const name = property.name;
    const key = name !== undefined && (name.kind === IDENTIFIER || name.kind === STRING_LITERAL) ? (name as ts.Identifier | ts.StringLiteral).text : undefined;
    const kind = property.kind;
    const value = kind === PROPERTY_ASSIGNMENT ? (property as ts.PropertyAssignment).initializer : kind === SHORTHAND_ASSIGNMENT ? (property as ts.ShorthandPropertyAssignment).name : undefined;
    if (key !== undefined && isSecretField(key) && !(value !== undefined && (isEmptyValue(value) || isIssued(endpoint, key, value)))) {
      out.push({ kind: 'field', name: key, node: property, object: node });
      continue;
    }
    if (kind === PROPERTY_ASSIGNMENT) carriedBy(endpoint, (property as ts.PropertyAssignment).initializer, inner, out);
    else if (kind === SHORTHAND_ASSIGNMENT) carriedBy(endpoint, (property as ts.ShorthandPropertyAssignment).name, inner, out);
    else if (kind === SPREAD_ASSIGNMENT) carriedBy(endpoint, (property as ts.SpreadAssignment).expression, inner, out);
  }
  return out;
}

/** What a call's result carries: a DTO mapping, a `.map` of rows, a query's rows, a helper's record. */
function callCarries(endpoint: Endpoint, node: ts.CallExpression, depth: number, out: Carried[]): Carried[] {
  const name = calleeName(node);
  if (DTO_CALL.test(name)) {
    out.push({ kind: 'narrowed', model: name, node, note: `the response goes through ${plainCalleePath(node)}()` });
    return out;
  }
  // users.map((u) => ({ id: u.id, email: u.email })): the callback's result is what is sent.
  if (name === 'map' && node.arguments.length > 0) {
    const callback = unwrapExpression(node.arguments[0]);
    const receiver = calleeObject(node);
    const source = receiver === undefined ? [] : carriedBy(endpoint, receiver, depth + 1, []);
    const fromRecords = source.some((carried) => carried.kind === 'record');
    if (isArrowFunction(callback) && !isBlock(callback.body)) {
      const body = carriedBy(endpoint, callback.body, depth + 1, []);
      if (body.length > 0) out.push(...body);
      else if (fromRecords) out.push({ kind: 'narrowed', model: 'map', node: callback, note: `each row is mapped to ${endpoint.index.textOf(callback.body).replace(/\s+/g, ' ').slice(0, 60)}` });
      return out;
    }
    if (isIdentifier(callback) && DTO_CALL.test(callback.text)) {
      out.push({ kind: 'narrowed', model: callback.text, node: callback, note: `each row goes through ${callback.text}()` });
      return out;
    }
    out.push(...source);
    return out;
  }
  const query = queryResult(node);
  if (query !== undefined) {
    out.push(query);
    return out;
  }
  // A helper or service of another file that names a sensitive model: `this.usersService.findOne(id)`, `getUser(id)`.
  const path = plainCalleePath(node);
  const word = /(?:^|[.A-Z_])(user|account|customer|member|session|credential|profile)s?(?=[A-Z.]|Service|$)/i.exec(path.replace(/^this\./, ''));
  // Auth libraries' session helpers return what they were built to expose to the client.
  if (word !== null && !/(?:count|exists|delete|remove)/i.test(name) && !AUTH_SESSION_HELPER.test(path)) {
    out.push({ kind: 'opaque', node, reason: `${path}() returns a ${word[1].toLowerCase()} from code this file does not show; check that it selects the fields or maps them to a DTO` });
  }
  return out;
}

/** next-auth, Clerk, Auth.js, Lucia: their session/user helpers hand out client-safe objects. */
const AUTH_SESSION_HELPER = /^(?:getServerSession|getSession|auth|currentUser|getAuth|validateRequest|lucia\.validateSession)$/;

/** Credentials a login or key-creation endpoint hands out on purpose: a token it just signed or generated. */
const ISSUED_FIELD = /(?:token|secret|key)$/i;

function isIssued(endpoint: Endpoint, key: string, value: ts.Expression, depth = 0): boolean {
  if (!ISSUED_FIELD.test(key) || depth > 2) return false;
  const node = unwrapExpression(value);
  const inner = isAwaitExpression(node) ? unwrapExpression(node.expression) : node;
  // jwt.sign(...), crypto.randomBytes(32).toString('hex'), generateToken(), nanoid(): made here, for the caller.
  if (isCallExpression(inner)) return !READ_METHOD.test(calleeName(inner));
  if (isIdentifier(inner)) {
    const declaration = declarationOf(endpoint, inner.text);
    return declaration !== undefined && isVariableDeclaration(declaration) && declaration.initializer !== undefined && isIssued(endpoint, key, declaration.initializer, depth + 1);
  }
  return false;
}

function isEmptyValue(node: ts.Expression): boolean {
  const value = unwrapExpression(node);
  return value.kind === SyntaxKind.UndefinedKeyword || value.kind === SyntaxKind.NullKeyword || (isIdentifier(value) && value.text === 'undefined') || (isStringLiteral(value) && /^\**$|^\[redacted\]$/i.test(value.text));
}

/** `const { passwordHash, ...safe } = user`: the rest drops what the pattern names. */
function restOf(endpoint: Endpoint, element: ts.BindingElement, out: Carried[], depth: number): Carried[] {
  const pattern = element.parent;
  const declaration = pattern.parent;
  if (!isObjectBindingPattern(pattern) || !isVariableDeclaration(declaration) || declaration.initializer === undefined) return out;
  const source = carriedBy(endpoint, declaration.initializer, depth + 1, []);
  if (element.dotDotDotToken === undefined) {
    // `const { user } = await db.session.findUnique(...)`: a field of the result; a secret-named one is itself a secret.
    const key = element.propertyName !== undefined && isIdentifier(element.propertyName) ? element.propertyName.text : isIdentifier(element.name) ? element.name.text : '';
    if (isSecretField(key) && source.some((carried) => carried.kind === 'record')) out.push({ kind: 'field', name: key, node: element });
    return out;
  }
  const dropped = pattern.elements.filter((other) => other !== element).map((other) => (other.propertyName ?? other.name).getText());
  const records = source.filter((carried) => carried.kind === 'record');
  if (records.length > 0 && dropped.some(isSecretField)) {
    out.push({ kind: 'narrowed', model: records[0].kind === 'record' ? records[0].model : '', node: pattern, note: `the rest pattern drops ${dropped.filter(isSecretField).join(', ')} before it is sent` });
    return out;
  }
  out.push(...source);
  return out;
}

/** Serializers of the file that hide fields whatever is returned: class-transformer `@Exclude`, `ClassSerializerInterceptor`, `toJSON`, Mongoose `select: false`. */
export function fileSerializer(endpoint: Endpoint): { node: ts.Node; note: string } | undefined {
  const index = endpoint.index;
  return index.memo('sensitive:serializer', () => {
    for (const call of index.callsNamed(/^(?:Exclude|SerializeOptions|UseInterceptors|Transform)$/)) {
      const name = calleeName(call);
      if (name === 'Exclude') return { node: call, note: "class-transformer's @Exclude() hides the field from responses" };
      if (name === 'UseInterceptors' && call.arguments.some((argument) => /ClassSerializerInterceptor/.test(argument.getText()))) return { node: call, note: 'ClassSerializerInterceptor applies the entity’s @Exclude() rules' };
    }
    // The two scans below look for an identifier `toJSON` and `select`: most files name neither, and are spared a
    // pass over all their methods and properties.
    for (const method of index.mayHaveIdentifier('toJSON') ? index.nodesOfKind<ts.MethodDeclaration>(SyntaxKind.MethodDeclaration) : []) {
      if (isIdentifier(method.name) && method.name.text === 'toJSON') return { node: method, note: 'the model’s toJSON() decides what is serialised' };
    }
    for (const property of index.mayHaveIdentifier('select') ? index.nodesOfKind<ts.PropertyAssignment>(SyntaxKind.PropertyAssignment) : []) {
      if (isIdentifier(property.name) && property.name.text === 'select' && property.initializer.kind === SyntaxKind.FalseKeyword && isObjectLiteralExpression(property.parent) && isPropertyAssignment(property.parent.parent) && isSecretField(property.parent.parent.name.getText())) {
        return { node: property, note: `the schema's \`select: false\` keeps ${property.parent.parent.name.getText()} out of queries` };
      }
    }
    return undefined;
  });
}
