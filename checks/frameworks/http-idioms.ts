/**
 * Calls that only read the request or write the response. They are not
 * "work" in the sense of the checklist (data access, side effects), and
 * checks that look for where data goes out need to know them.
 */

/** `res.json(...)`, `res.status(500).send(...)`, `NextResponse.json(...)`, `reply.code(400).send(...)`, `c.json(...)`. */
const RESPONSE_CALL = /^(?:res|response|reply|c|ctx)(?:\.status\(\)|\.code\(\)|\.set\(\)|\.header\(\)|\.type\(\))*\.(?:json|send|end|sendStatus|status|code|redirect|render|jsonp|text|html|body)$|^(?:NextResponse|Response)\.(?:json|redirect|error)$/;

export function isResponseCall(path: string): boolean {
  return RESPONSE_CALL.test(path);
}

/** Reading the request: `req.json()`, `request.formData()`, `searchParams.get('x')`, `headers()`, `cookies()`. */
const REQUEST_READ = /^(?:req|request|ctx\.req|c\.req)\.(?:json|text|formData|arrayBuffer|blob|header|get|param|query|valid)$|(?:^|\.)searchParams\.(?:get|getAll|has)$|^(?:headers|cookies|params)$|(?:^|\.)headers\.get$|(?:^|\.)cookies\(\)\.get$/;

export function isRequestRead(path: string): boolean {
  return REQUEST_READ.test(path);
}

/** Calls that neither reach data nor change anything: logging, JSON, number and string helpers. */
const INERT_CALL = /^(?:console|logger|log|JSON|Math|Number|String|Boolean|Object|Array|Date|parseInt|parseFloat|encodeURIComponent|decodeURIComponent|URL|URLSearchParams|Promise)(?:\.|$)|\.(?:toString|trim|toLowerCase|toUpperCase|map|filter|slice|split|join|includes|startsWith|endsWith|push|replace)$/;

export function isInertCall(path: string): boolean {
  return INERT_CALL.test(path);
}
