/**
 * The registry of checks, sorted by id. A check that is not listed here does
 * not run; the registry test fails for a check file that is missing here.
 */
import type { Check } from './create-check.js';
import errorDetailsInResponse from './output-safety/error-details-in-response.js';
import identityNotEnforced from './authentication/identity-not-enforced.js';
import missingAuthentication from './authentication/missing-authentication.js';
import missingOwnershipCheck from './authorization/missing-ownership-check.js';
import missingRoleCheck from './authorization/missing-role-check.js';
import sqlInjection from './input-validation/sql-injection.js';
import weakTokenVerification from './authentication/weak-token-verification.js';

export const CHECKS: readonly Check[] = [
  errorDetailsInResponse,
  identityNotEnforced,
  missingAuthentication,
  missingOwnershipCheck,
  missingRoleCheck,
  sqlInjection,
  weakTokenVerification,
].sort((a, b) => a.id.localeCompare(b.id));
