/**
 * The 18 items of `shared/spec/checklist.md`, in the order the template lists
 * them. Everything that names a checklist item uses these ids.
 */
export const SECTIONS = [
  'Authentication',
  'Authorization',
  'Input Validation',
  'Output Safety',
  'Rate Limiting',
  'Logging',
] as const;
export type Section = (typeof SECTIONS)[number];

export const CHECKLIST = [
  { id: 'authn.identity', section: 'Authentication', title: 'User identity verified before processing' },
  { id: 'authn.invalid-token', section: 'Authentication', title: 'Invalid tokens rejected with 401' },
  { id: 'authn.token-expiry', section: 'Authentication', title: 'Token expiration checked' },
  { id: 'authz.ownership', section: 'Authorization', title: 'Resource ownership verified' },
  { id: 'authz.roles', section: 'Authorization', title: 'Role/permission checks implemented' },
  { id: 'authz.tenant', section: 'Authorization', title: 'Cross-tenant data isolation enforced' },
  { id: 'input.schema', section: 'Input Validation', title: 'All inputs validated with schema (Zod/Pydantic)' },
  { id: 'input.upload', section: 'Input Validation', title: 'File uploads size/type limited' },
  { id: 'input.sql', section: 'Input Validation', title: 'SQL injection prevented (using ORM)' },
  { id: 'input.xss', section: 'Input Validation', title: 'XSS prevention in place' },
  { id: 'output.fields', section: 'Output Safety', title: 'Sensitive fields excluded from responses' },
  { id: 'output.pii-logs', section: 'Output Safety', title: 'PII masked in logs' },
  { id: 'output.errors', section: 'Output Safety', title: "Error messages don't leak system info" },
  { id: 'ratelimit.endpoint', section: 'Rate Limiting', title: 'Rate limits configured per endpoint' },
  { id: 'ratelimit.ddos', section: 'Rate Limiting', title: 'DDoS protection in place' },
  { id: 'logging.auth-failures', section: 'Logging', title: 'Failed auth attempts logged' },
  { id: 'logging.denials', section: 'Logging', title: 'Permission denials logged' },
  { id: 'logging.request-id', section: 'Logging', title: 'Request IDs for traceability' },
] as const satisfies readonly { id: string; section: Section; title: string }[];

export type ChecklistItemId = (typeof CHECKLIST)[number]['id'];

export const CHECKLIST_ITEM_IDS: readonly ChecklistItemId[] = CHECKLIST.map((item) => item.id);

export function isChecklistItemId(value: string): value is ChecklistItemId {
  return (CHECKLIST_ITEM_IDS as readonly string[]).includes(value);
}
