/**
 * weak-token-verification for Python (authn.token-expiry): PyJWT and
 * python-jose calls that skip the signature or expiry check, allow `none`,
 * or leave the algorithms open, in the endpoint's code and its same-file
 * dependencies (where `get_current_user` decodes the token).
 */
import tsCheck from '../../authentication/weak-token-verification.js';
import {
  booleanValue,
  calleeName,
  dictEntries,
  importSources,
  keywordArgument,
  plainCalleePath,
  positionalArguments,
  sequenceElements,
  stringValue,
} from '../../lang/py/queries.js';
import { fileOfNode, type PyNode, type PySourceIndex, type Scope } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import { isAuthDecorator, isAuthDependency } from '../identity-signals.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const JWT_DECODE_CALL = /^(?:decode|get_unverified_claims|get_unverified_header)$/;

/** `jwt.decode`, `jose.jwt.decode`, a `decode` imported from jwt / jose. */
function jwtModuleOf(call: PyNode, index: PySourceIndex): 'pyjwt' | 'jose' | undefined {
  const path = plainCalleePath(call);
  const root = path.split('.')[0];
  const source = importSources(index).get(root);
  if (source === undefined) return undefined;
  if (source.module === 'jose' || source.module.startsWith('jose.')) return 'jose';
  if (source.module === 'jwt' || source.module.startsWith('jwt.')) return 'pyjwt';
  return undefined;
}

const DJANGO_JWT_AUTH = /^(?:JWTAuthentication|JWTStatelessUserAuthentication|JWTTokenUserAuthentication)$/;

export default createPyCheck({
  id: 'weak-token-verification',
  items: ['authn.token-expiry'],
  ...siblingMetadata(tsCheck),
  messages: {
    'decode-only': tsCheck.messages['decode-only'],
    'ignore-expiration': '`{{option}}` accepts expired tokens forever.',
    'alg-none': tsCheck.messages['alg-none'],
    'no-algorithms': '{{call}} does not pin `algorithms`: the token itself chooses how it is checked (algorithm confusion).',
  },
  fix: {
    default:
      "Verify, don't decode: `jwt.decode(token, settings.SECRET_KEY, algorithms=[\"HS256\"])` (PyJWT; python-jose: `jwt.decode(token, key, algorithms=[\"RS256\"])`), without `options={\"verify_signature\": False}` or `\"verify_exp\": False`, and never `get_unverified_claims` for authentication; catch `ExpiredSignatureError` / `JWTError` and answer 401.",
  },
  run(context) {
    const { endpoint } = context;
    const index = endpoint.index;
    // The endpoint's own code, then imported dependencies' modules (where get_current_user usually decodes).
    // A loop, not flatMap/filter/map: most endpoints decode nothing, and were paying for five arrays and three closures.
    const calls: { call: PyNode; index: PySourceIndex }[] = [];
    const collect = (region: { index: PySourceIndex; scopes: readonly Scope[] }) => {
      for (const call of region.index.callsNamed(JWT_DECODE_CALL, region.scopes)) if (jwtModuleOf(call, region.index) !== undefined) calls.push({ call, index: region.index });
    };
    collect(endpoint);
    for (const region of endpoint.externalCode ?? []) collect(region);
    let verified: PyNode | undefined;
    for (const { call, index } of calls) {
      const name = calleeName(call);
      const text = `${plainCalleePath(call)}()`;
      if (name === 'get_unverified_claims') {
        context.report({ messageId: 'decode-only', node: call, data: { call: text } });
        continue;
      }
      if (name !== 'decode') continue;
      let weak = false;
      const options = dictEntries(keywordArgument(call, 'options'), index) ?? [];
      const off = (key: string) => options.find((entry) => entry.key === key && booleanValue(entry.value) === false);
      const noSignature = off('verify_signature') ?? (booleanValue(keywordArgument(call, 'verify')) === false ? { node: keywordArgument(call, 'verify')! } : undefined);
      if (noSignature !== undefined) {
        context.report({ messageId: 'decode-only', node: call, data: { call: text } });
        continue;
      }
      const noExpiry = off('verify_exp');
      if (noExpiry !== undefined) {
        context.report({ messageId: 'ignore-expiration', node: noExpiry.node, data: { option: `"verify_exp": False` } });
        weak = true;
      }
      const algorithms = keywordArgument(call, 'algorithms') ?? positionalArguments(call)[2];
      const listed = sequenceElements(algorithms)?.map((element) => stringValue(element, index));
      if (listed?.some((algorithm) => algorithm?.toLowerCase() === 'none') === true) {
        context.report({ messageId: 'alg-none', node: algorithms! });
        weak = true;
      } else if (algorithms === undefined) {
        context.report({ messageId: 'no-algorithms', node: call, data: { call: text } });
        weak = true;
      }
      if (!weak) verified ??= call;
    }
    if (verified !== undefined) {
      const where = fileOfNode(verified) === endpoint.file ? '' : ` in ${fileOfNode(verified)}`;
      context.pass('authn.token-expiry', { node: verified, note: `${plainCalleePath(verified)}()${where} verifies signature and expiry with pinned algorithms` });
      return;
    }
    const jwtAuth = endpoint.authenticationClasses?.names.find((name) => DJANGO_JWT_AUTH.test(name));
    if (jwtAuth !== undefined && calls.length === 0) {
      const policy = endpoint.authenticationClasses!;
      context.pass('authn.token-expiry', { node: policy.node, file: policy.file, line: policy.line, note: `${jwtAuth} (djangorestframework-simplejwt) checks signature and expiry` });
      return;
    }
    if (calls.length > 0) return;
    // No token decoded in view: who verifies it decides.
    const configured = context.config.auth.functions;
    const jwtExtended = endpoint.decorators.find((decorator) => /^(?:jwt_required|fresh_jwt_required)$/.test(decorator.name) && importSources(index).get(decorator.name)?.module === 'flask_jwt_extended');
    if (jwtExtended !== undefined) {
      context.pass('authn.token-expiry', { node: jwtExtended.node, note: `@${jwtExtended.name} (flask-jwt-extended) verifies signature and expiry` });
      return;
    }
    const dependency = endpoint.dependencies.find((candidate) => isAuthDependency(candidate, configured));
    const decorator = endpoint.decorators.find((candidate) => isAuthDecorator(candidate.name, configured));
    const authentication = endpoint.authenticationClasses?.names.join(', ');
    const verifier = dependency !== undefined ? `${dependency.kind}(${dependency.callable})` : decorator !== undefined ? `@${decorator.name}` : authentication !== undefined && authentication !== '' ? `the authentication classes ${authentication}` : undefined;
    if (verifier !== undefined) {
      context.unknown('authn.token-expiry', `tokens are verified by ${verifier}, defined in another file that was not analysed`);
      return;
    }
    context.notApplicable('authn.token-expiry', 'the endpoint handles no token itself');
  },
});
