/**
 * The registry of Python checks, sorted by id. Items no check here decides
 * are reported unknown, "not yet analysed for Python" (run-py-checks.ts).
 * A Python check keeps the id of its TypeScript sibling.
 */
import type { PyCheck } from './create-py-check.js';
import missingAuthentication from './authentication/missing-authentication.js';
import weakTokenVerification from './authentication/weak-token-verification.js';
import missingOwnershipCheck from './authorization/missing-ownership-check.js';
import missingRoleCheck from './authorization/missing-role-check.js';

export const PY_CHECKS: readonly PyCheck[] = [missingAuthentication, missingOwnershipCheck, missingRoleCheck, weakTokenVerification].sort((a, b) => a.id.localeCompare(b.id));
