/**
 * Which endpoints an attacker gains most from calling in a loop: those that
 * check credentials (guessing passwords, codes, tokens) and those that cost
 * the service real money or time per call (search, export, file processing,
 * mail and SMS, AI models). Missing rate limits there weigh more.
 */
import { ts, SyntaxKind, isIdentifier } from '../lang/ts/parse.js';
import { plainCalleePath } from '../lang/ts/queries.js';
import { codeRegions, type Endpoint } from '../frameworks/endpoint.js';

export type EndpointCost =
  | { kind: 'credential'; reason: string }
  | { kind: 'expensive'; reason: string }
  | { kind: 'ordinary' };

/** Route segments of credential endpoints: `/auth/login`, `/password/reset`, `/otp/verify`, `/token/refresh`. */
const CREDENTIAL_SEGMENT =
  /^(?:login|log-?in|signin|sign-?in|signup|sign-?up|register|registration|password|passwords|passwd|reset-?password|forgot-?password|forgot|reset|otp|mfa|2fa|totp|one-?time-?code|verify|verify-?email|verification|token|tokens|refresh|refresh-?token|magic-?link|passwordless|authenticate|\[\.\.\.nextauth\])$/i;
/** Route segments of costly endpoints. */
const EXPENSIVE_SEGMENT =
  /^(?:search|query|export|exports|download|report|reports|upload|uploads|import|convert|render|pdf|thumbnail|resize|transcode|generate|ai|chat|completions?|embeddings?|summari[sz]e|translate|transcribe|email|emails|mail|send|sms|notify|notifications|invite|invites|contact|webhook-?test)$/i;

/** Calls that check a credential: what a login, reset or code endpoint does. */
const CREDENTIAL_CALL =
  /^(?:bcrypt|bcryptjs|argon2|scrypt)\.(?:compare|compareSync|verify)$|(?:^|\.)(?:verifyPassword|comparePassword|checkPassword|validatePassword|signInWithPassword|signIn|authenticator\.verify|totp\.verify|verifyOtp|verifyOTP|verifyTotp|verifyCode|jwt\.sign|signJwt|createSession|issueToken|sendPasswordReset\w*|resetPassword|verifyEmail)$/;
/** Calls that cost per request: AI models, mail and SMS providers, file processing, exports. */
const EXPENSIVE_CALLS: ReadonlyArray<[RegExp, string]> = [
  [/(?:^|\.)(?:chat\.completions\.create|completions\.create|anthropic\.messages\.create|embeddings\.create|responses\.create|images\.generate|generateText|streamText|generateObject|streamObject|generateContent)$/, 'calls an AI model'],
  [/(?:^|\.)(?:sendMail|sendEmail|emails\.send|send(?:Sms|SMS|Text)|(?:twilio|client|sms)\.messages\.create|sgMail\.send|mailer\.send|ses\.send\w*|sns\.publish|transporter\.send\w*)$/, 'sends email or SMS'],
  [/^(?:sharp|ffmpeg|puppeteer\.launch|renderToBuffer|renderToStream|xlsx\.write|json2csv|parseCsv)$|^page\.(?:pdf|screenshot)$|\.(?:toBuffer|toFile|writeBuffer)$|(?:^|\.)(?:formidable|multer|busboy)$|^(?:req|request)\.formData$/, 'processes files or renders documents'],
  [/(?:^|\.)(?:index|client|algolia|meili\w*|typesense|elastic\w*|es|opensearch|searchClient)\.search$|(?:^|\.)(?:fullTextSearch|\$search)$/, 'runs a search'],
];

/** Last names of the calls above, for the index to answer by name before the full paths are tested. */
const CREDENTIAL_NAME = /^(?:compare|compareSync|verify|verifyPassword|comparePassword|checkPassword|validatePassword|signInWithPassword|signIn|verifyOtp|verifyOTP|verifyTotp|verifyCode|sign|signJwt|createSession|issueToken|sendPasswordReset\w*|resetPassword|verifyEmail)$/;
const EXPENSIVE_NAME =
  /^(?:create|generate|generateText|streamText|generateObject|streamObject|generateContent|sendMail|sendEmail|send|sendSms|sendSMS|sendText|publish|send\w+|sharp|ffmpeg|launch|renderToBuffer|renderToStream|write|json2csv|parseCsv|pdf|screenshot|toBuffer|toFile|writeBuffer|formidable|multer|busboy|formData|search|fullTextSearch|\$search)$/;

function routeSegments(route: string): string[] {
  return route.split(/[/?]/).filter((segment) => segment.length > 0 && !segment.startsWith(':') && !/^\[[^.]/.test(segment));
}

/**
 * How costly the endpoint is to leave unlimited. The route decides first
 * (it is what an attacker sees); otherwise what its code calls.
 */
export function endpointCost(endpoint: Endpoint): EndpointCost {
  for (const segment of routeSegments(endpoint.route)) {
    // `GET /tokens` lists tokens; a credential is checked on the way in, by the other methods.
    if (CREDENTIAL_SEGMENT.test(segment) && !(endpoint.method === 'GET' && /^tokens?$|^passwords?$/i.test(segment))) {
      return { kind: 'credential', reason: `\`${segment}\` in the route is a credential endpoint (password, code or token guessing)` };
    }
  }
  for (const segment of routeSegments(endpoint.route)) {
    if (EXPENSIVE_SEGMENT.test(segment)) return { kind: 'expensive', reason: `\`${segment}\` in the route is costly to serve per call` };
  }
  for (const { index, scopes } of codeRegions(endpoint)) {
    for (const call of index.callsNamed(CREDENTIAL_NAME, scopes)) {
      const path = plainCalleePath(call);
      if (CREDENTIAL_CALL.test(path)) return { kind: 'credential', reason: `it checks credentials (${path}())` };
    }
  }
  for (const { index, scopes } of codeRegions(endpoint)) {
    for (const call of index.callsNamed(EXPENSIVE_NAME, scopes)) {
      const path = plainCalleePath(call);
      for (const [pattern, what] of EXPENSIVE_CALLS) if (pattern.test(path)) return { kind: 'expensive', reason: `it ${what} (${path}())` };
    }
    for (const created of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, scopes)) {
      if (isIdentifier(created.expression) && /^(?:OpenAI|Anthropic|PDFDocument|Workbook)$/.test(created.expression.text)) {
        return { kind: 'expensive', reason: `it builds ${created.expression.text} per request` };
      }
    }
  }
  return { kind: 'ordinary' };
}
