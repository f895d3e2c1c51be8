/**
 * The registry of Python checks, sorted by id. Items no check here decides
 * are reported unknown, "not yet analysed for Python" (run-py-checks.ts).
 * A Python check keeps the id of its TypeScript sibling.
 */
import type { PyCheck } from './create-py-check.js';
import identityNotEnforced from './authentication/identity-not-enforced.js';
import missingAuthentication from './authentication/missing-authentication.js';
import weakTokenVerification from './authentication/weak-token-verification.js';
import missingOwnershipCheck from './authorization/missing-ownership-check.js';
import missingRoleCheck from './authorization/missing-role-check.js';
import missingTenantFilter from './authorization/missing-tenant-filter.js';
import massAssignment from './input-validation/mass-assignment.js';
import reflectedXss from './input-validation/reflected-xss.js';
import sqlInjection from './input-validation/sql-injection.js';
import unboundedFileUpload from './input-validation/unbounded-file-upload.js';
import unvalidatedInput from './input-validation/unvalidated-input.js';
import authFailureNotLogged from './logging/auth-failure-not-logged.js';
import denialNotLogged from './logging/denial-not-logged.js';
import missingRequestId from './logging/missing-request-id.js';
import errorDetailsInResponse from './output-safety/error-details-in-response.js';
import piiInLogs from './output-safety/pii-in-logs.js';
import sensitiveFieldsInResponse from './output-safety/sensitive-fields-in-response.js';
import missingRateLimit from './rate-limiting/missing-rate-limit.js';
import unboundedRequestCost from './rate-limiting/unbounded-request-cost.js';

export const PY_CHECKS: readonly PyCheck[] = [
  identityNotEnforced,
  missingAuthentication,
  missingOwnershipCheck,
  missingRoleCheck,
  missingTenantFilter,
  weakTokenVerification,
  massAssignment,
  reflectedXss,
  sqlInjection,
  unboundedFileUpload,
  unvalidatedInput,
  errorDetailsInResponse,
  piiInLogs,
  sensitiveFieldsInResponse,
  missingRateLimit,
  unboundedRequestCost,
  authFailureNotLogged,
  denialNotLogged,
  missingRequestId,
].sort((a, b) => a.id.localeCompare(b.id));
