/**
 * Text derived from the reviewed code (finding messages, evidence notes,
 * suggested replacements) is shown in comments and check runs that anyone
 * with read access sees, and stays in GitHub's history. A secret that sits
 * in the code must not be repeated there: each secret-looking literal is
 * replaced by its first two characters, asterisks and its length, as the
 * hard-coded secret finding itself shows it.
 *
 * What counts: well-known token formats (GitHub, AWS, Stripe, Slack, Google,
 * JWTs, PEM private keys), a quoted value given to a secret-named key or
 * variable (`secret: '…'`, `password = "…"`), and a long quoted literal that
 * mixes digits with upper and lower case letters (random keys; routes, words
 * and identifiers do not).
 */

const TOKEN_FORMATS: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,255}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,255}/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\b[rsp]k_(?:live|test)_[A-Za-z0-9]{8,247}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{8,250}/g,
  /\bAIza[A-Za-z0-9_-]{35}/g,
  /\beyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,8000}\.[A-Za-z0-9_-]{8,4000}/g,
  /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]{0,10000}?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/g,
];

/** `secret: '…'`, `apiKey = "…"`, `{ password: `…` }`: the quoted value of a secret-named key or variable. */
const NAMED_SECRET = /\b([\w$]{0,40}(?:secret|passw(?:or)?d|token|api_?key|private_?key|credential|auth_?key)[\w$]{0,40}["']?\s{0,8}[:=]\s{0,8})(["'`])([^"'`\n]{4,1000})\2/gi;

/** A quoted literal of 20 or more key-like characters. */
const QUOTED_KEY_LIKE = /(["'`])([A-Za-z0-9+/_=-]{20,1000})\1/g;

export function maskSecret(secret: string): string {
  if (secret.length <= 4) return `${'*'.repeat(secret.length)} (${secret.length} characters)`;
  return `${secret.slice(0, 2)}${'*'.repeat(6)} (${secret.length} characters)`;
}

/** `text` with every secret-looking literal masked; unchanged when there is none. */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const format of TOKEN_FORMATS) masked = masked.replace(format, (secret) => maskSecret(secret));
  masked = masked.replace(NAMED_SECRET, (whole, prefix: string, quote: string, value: string) => (isAlreadyMasked(value) ? whole : `${prefix}${quote}${maskSecret(value)}${quote}`));
  masked = masked.replace(QUOTED_KEY_LIKE, (whole, quote: string, value: string) => (looksRandom(value) ? `${quote}${maskSecret(value)}${quote}` : whole));
  return masked;
}

function isAlreadyMasked(value: string): boolean {
  return value.includes('******');
}

/** Digits, upper and lower case letters together: a generated key, not a word, route or identifier. */
function looksRandom(value: string): boolean {
  return /\d/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value) && !/^[A-Z][a-z]+(?:[A-Z][a-z]+)+\d*$/.test(value);
}
