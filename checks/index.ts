/**
 * The registry of checks, sorted by id. A check that is not listed here does
 * not run; the registry test fails for a check file that is missing here.
 */
import type { Check } from './create-check.js';
import authFailureNotLogged from './logging/auth-failure-not-logged.js';
import denialNotLogged from './logging/denial-not-logged.js';
import missingRateLimit from './rate-limiting/missing-rate-limit.js';
import missingRequestId from './logging/missing-request-id.js';
import missingTenantFilter from './authorization/missing-tenant-filter.js';
import unboundedRequestCost from './rate-limiting/unbounded-request-cost.js';
import errorDetailsInResponse from './output-safety/error-details-in-response.js';
import identityNotEnforced from './authentication/identity-not-enforced.js';
import missingAuthentication from './authentication/missing-authentication.js';
import missingOwnershipCheck from './authorization/missing-ownership-check.js';
import missingRoleCheck from './authorization/missing-role-check.js';
import sqlInjection from './input-validation/sql-injection.js';
import unboundedFileUpload from './input-validation/unbounded-file-upload.js';
import reflectedXss from './input-validation/reflected-xss.js';
import sensitiveFieldsInResponse from './output-safety/sensitive-fields-in-response.js';
import piiInLogs from './output-safety/pii-in-logs.js';
import weakTokenVerification from './authentication/weak-token-verification.js';
import unvalidatedInput from './input-validation/unvalidated-input.js';
import massAssignment from './input-validation/mass-assignment.js';
import nosqlInjection from './input-validation/nosql-injection.js';

export const CHECKS: readonly Check[] = [
  authFailureNotLogged,
  denialNotLogged,
  missingRateLimit,
  missingRequestId,
  missingTenantFilter,
  unboundedRequestCost,
  errorDetailsInResponse,
  identityNotEnforced,
  missingAuthentication,
  missingOwnershipCheck,
  missingRoleCheck,
  sqlInjection,
  unboundedFileUpload,
  reflectedXss,
  sensitiveFieldsInResponse,
  piiInLogs,
  weakTokenVerification,
  unvalidatedInput,
  massAssignment,
  nosqlInjection,
].sort((a, b) => a.id.localeCompare(b.id));
