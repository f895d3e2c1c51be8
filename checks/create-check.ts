/**
 * The shape of a check: metadata first (ESLint's `meta`, semgrep's required
 * security metadata), then `run`, called once per endpoint with a context
 * that reports findings and decides checklist items.
 */
import type { ChecklistItemId } from './checklist.js';
import type { Config } from '../src/config/schema.js';
import type { Endpoint, Framework } from './frameworks/endpoint.js';
import type { ts } from './lang/ts/parse.js';
import type { Confidence, Severity } from './model.js';
import type { ProjectContext } from './project-context.js';

/**
 * Checks are generic over the language: `E` is the endpoint they read, `N`
 * the syntax node a report or evidence points at, `F` the framework names
 * their fixes are keyed by. The defaults are TypeScript's; Python checks use
 * `PyEndpoint` / `PyNode` (checks/python/create-py-check.ts).
 */
export interface CheckMeta<MessageId extends string = string, F extends string = Framework> {
  /** Kebab-case, equal to the file name. */
  id: string;
  /** The checklist items this check decides, the first being where its findings go by default. */
  items: readonly ChecklistItemId[];
  /** One line: what the check looks for. */
  description: string;
  severity: Severity;
  confidence: Confidence;
  /** e.g. `CWE-306`. */
  cwe: readonly string[];
  /** OWASP API Security Top 10 (2023), e.g. `API2:2023`. */
  owasp: readonly string[];
  /** What is wrong, per message id; `{{name}}` placeholders are filled from the report's data. */
  messages: Record<MessageId, string>;
  /** Why it matters, one or two sentences. */
  why: string;
  /** How to fix it, per framework where the idiom differs; `default` otherwise. */
  fix: Partial<Record<F, string>> & { default: string };
}

export interface Report<MessageId extends string, N = ts.Node> {
  messageId: MessageId;
  /** The node the finding is about; or give `line`. */
  node?: N;
  line?: number;
  endLine?: number;
  data?: Record<string, string>;
  /** The item, when the check decides several. */
  item?: ChecklistItemId;
  severity?: Severity;
  confidence?: Confidence;
  /** A safe replacement for the lines of `node`, shown as a suggestion block. */
  suggestion?: { line: number; endLine: number; replacement: string };
}

export interface CheckContext<MessageId extends string = string, E = Endpoint, N = ts.Node> {
  endpoint: E;
  config: Config;
  project: ProjectContext;
  report(report: Report<MessageId, N>): void;
  /** The item passes; `note` says what the code at `node`/`line` shows. */
  pass(item: ChecklistItemId, evidence: { node?: N; line?: number; file?: string; note: string }): void;
  /** The app cannot decide statically; `reason` tells the human what to look at. */
  unknown(item: ChecklistItemId, reason: string): void;
  notApplicable(item: ChecklistItemId, reason: string): void;
  /** Marks the endpoint as public by design (health check, login...), with the reason. */
  markPublic(reason: string): void;
}

export interface Check<MessageId extends string = string, E = Endpoint, N = ts.Node, F extends string = Framework> extends CheckMeta<MessageId, F> {
  run(context: CheckContext<MessageId, E, N>): void;
}

const RULE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Builds a check, validating its metadata up front so a bad check fails at load, not mid-review. */
export function createCheck<MessageId extends string, E = Endpoint, N = ts.Node, F extends string = Framework>(check: Check<MessageId, E, N, F>): Check<MessageId, E, N, F> {
  if (!RULE_ID.test(check.id)) throw new Error(`check id "${check.id}" is not kebab-case`);
  if (check.items.length === 0) throw new Error(`check ${check.id} decides no checklist item`);
  if (check.cwe.length === 0 || !check.cwe.every((id) => /^CWE-\d+$/.test(id))) throw new Error(`check ${check.id} needs CWE ids like CWE-306`);
  if (check.owasp.length === 0 || !check.owasp.every((id) => /^API([1-9]|10):2023$/.test(id))) throw new Error(`check ${check.id} needs OWASP API Top 10 2023 ids like API2:2023`);
  if (Object.keys(check.messages).length === 0) throw new Error(`check ${check.id} has no messages`);
  if (check.fix.default.trim() === '' || check.why.trim() === '') throw new Error(`check ${check.id} needs why and fix text`);
  return check;
}
