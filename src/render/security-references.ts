/**
 * Links for the CWE and OWASP API Security Top 10 (2023) ids that every
 * finding carries, so a reviewer can read the weakness class in one click.
 */
import { escapeText } from './markdown.js';

/** The ten risks of the OWASP API Security Top 10, 2023 edition, with their page on owasp.org. */
export const OWASP_API_TOP_10_2023: Readonly<Record<string, { name: string; slug: string }>> = {
  'API1:2023': { name: 'Broken Object Level Authorization', slug: '0xa1-broken-object-level-authorization' },
  'API2:2023': { name: 'Broken Authentication', slug: '0xa2-broken-authentication' },
  'API3:2023': { name: 'Broken Object Property Level Authorization', slug: '0xa3-broken-object-property-level-authorization' },
  'API4:2023': { name: 'Unrestricted Resource Consumption', slug: '0xa4-unrestricted-resource-consumption' },
  'API5:2023': { name: 'Broken Function Level Authorization', slug: '0xa5-broken-function-level-authorization' },
  'API6:2023': { name: 'Unrestricted Access to Sensitive Business Flows', slug: '0xa6-unrestricted-access-to-sensitive-business-flows' },
  'API7:2023': { name: 'Server Side Request Forgery', slug: '0xa7-server-side-request-forgery' },
  'API8:2023': { name: 'Security Misconfiguration', slug: '0xa8-security-misconfiguration' },
  'API9:2023': { name: 'Improper Inventory Management', slug: '0xa9-improper-inventory-management' },
  'API10:2023': { name: 'Unsafe Consumption of APIs', slug: '0xaa-unsafe-consumption-of-apis' },
};

/** `API2:2023 Broken Authentication`, or the id alone when it is not one of the ten. */
export function owaspLabel(id: string): string {
  const risk = Object.hasOwn(OWASP_API_TOP_10_2023, id) ? OWASP_API_TOP_10_2023[id] : undefined;
  return risk === undefined ? id : `${id} ${risk.name}`;
}

/** A markdown link to the risk's page; escaped plain text for an id that is not one of the ten. */
export function owaspLink(id: string): string {
  const risk = Object.hasOwn(OWASP_API_TOP_10_2023, id) ? OWASP_API_TOP_10_2023[id] : undefined;
  if (risk === undefined) return escapeText(id);
  return `[${id} ${risk.name}](https://owasp.org/API-Security/editions/2023/en/${risk.slug}/)`;
}

/** `[CWE-306](https://cwe.mitre.org/data/definitions/306.html)`; escaped plain text for a malformed id. */
export function cweLink(id: string): string {
  const match = /^CWE-(\d{1,6})$/.exec(id);
  if (match === null) return escapeText(id);
  return `[${id}](https://cwe.mitre.org/data/definitions/${match[1]}.html)`;
}
