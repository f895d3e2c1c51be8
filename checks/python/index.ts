/**
 * The registry of Python checks, sorted by id. Items no check here decides
 * are reported unknown, "not yet analysed for Python" (run-py-checks.ts).
 */
import type { PyCheck } from './create-py-check.js';
import missingAuthentication from './authentication/missing-authentication.js';

export const PY_CHECKS: readonly PyCheck[] = [missingAuthentication].sort((a, b) => a.id.localeCompare(b.id));
