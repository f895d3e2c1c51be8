import { answerOnce } from '../lang/answer-once.js';

/**
 * Calls that only read the request or write the response. They are not
 * "work" in the sense of the checklist (data access, side effects), and
 * checks that look for where data goes out need to know them.
 */

/** `res.json(...)`, `res.status(500).send(...)`, `NextResponse.json(...)`, `reply.code(400).send(...)`, `c.json(...)`. */
const RESPONSE_CALL = /^(?:res|response|reply|c|ctx)(?:\.(?:status|code|set|header|type)(?:\(\))?)*\.(?:json|send|end|sendStatus|status|code|redirect|render|jsonp|text|html|body)$|^(?:NextResponse|Response)\.(?:json|redirect|error)$/;

/** Takes the callee path with or without call markers (`res.status().json` or `res.status.json`). */
export const isResponseCall = memoizedTest(RESPONSE_CALL);

/** Reading the request: `req.json()`, `request.formData()`, `searchParams.get('x')`, `headers()`, `cookies()`. */
const REQUEST_READ = /^(?:req|request|ctx\.req|c\.req)\.(?:json|text|formData|arrayBuffer|blob|header|get|param|query|valid)$|(?:^|\.)searchParams\.(?:get|getAll|has)$|^(?:headers|cookies|params)$|(?:^|\.)headers\.get$|(?:^|\.)cookies\(\)\.get$/;

export const isRequestRead = memoizedTest(REQUEST_READ);

/**
 * Calls that neither reach data nor change anything: logging, JSON, number and
 * string helpers, schema builders (`z.object(...)`, `yup.string()`), and a tRPC
 * procedure's `.input(schema)` / `.output(schema)` and its own registration
 * (`publicProcedure.input(...).query(...)`).
 */
const INERT_CALL = /^(?:console|logger|log|JSON|Math|Number|String|Boolean|Object|Array|Date|parseInt|parseFloat|encodeURIComponent|decodeURIComponent|URL|URLSearchParams|Promise|z|zod|yup|Joi|joi|valibot|Type)(?:\.|$)|\.(?:input|output|meta)$|(?:^|\.)\w*[pP]rocedure(?:\.\w+)*\.(?:query|mutation|subscription)$|\.(?:toString|trim|toLowerCase|toUpperCase|map|filter|slice|split|join|includes|startsWith|endsWith|push|replace)$|(?:^|\.)(?:log|logger)\.(?:trace|debug|info|warn|error|fatal|child)$/;

export const isInertCall = memoizedTest(INERT_CALL);

/** Factories that build a client and touch nothing yet: `createClient()`, `createServerClient(...)`. */
const CLIENT_FACTORY = /^(?:create\w*Client|createRouteHandlerClient|getClient|getDb|getPrisma)$/;

/**
 * Method names that read or change data, or have an effect outside the
 * process: ORM and driver calls, HTTP calls, mail, payments.
 */
const DATA_VERB =
  /^(?:find\w*|select|selectFrom|insert\w*|update\w*|delete\w*|remove\w*|destroy|create\w*|save|upsert|query\w*|execute|exec|run|aggregate|count|from|fetch|request|send\w*|write\w*|charge|transfer|refund|publish|enqueue|\$queryRaw\w*|\$executeRaw\w*|get\w*By\w*|list\w*|read\w*)$/;

/** Whether a call (by callee path) reads or changes data or has an outside effect. */
export const isDataAccessCall = answerOnce(classifyDataAccess);

function classifyDataAccess(path: string): boolean {
  const name = path.split('.').pop() ?? path;
  if (CLIENT_FACTORY.test(name) || isResponseCall(path) || isRequestRead(path) || isInertCall(path)) return false;
  return DATA_VERB.test(name) || path === 'fetch' || path.startsWith('axios');
}

/**
 * Every check asks these of every call of every endpoint, and callee paths
 * repeat across endpoints and files (`res.json`, `prisma.user.findMany`): each
 * path's answer is computed once.
 */
function memoizedTest(pattern: RegExp): (path: string) => boolean {
  return answerOnce((path: string) => pattern.test(path));
}
