/**
 * The command line: `api-security-review scan [paths...]` and its options,
 * parsed with node:util `parseArgs` in strict mode so that a typo in an
 * option is a usage error rather than a silently ignored flag.
 */
import { parseArgs } from 'node:util';
import { SEVERITIES, type Severity } from '../../checks/model.js';

export const OUTPUT_FORMATS = ['text', 'json', 'markdown', 'sarif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ScanOptions {
  /** As given on the command line, relative to the working directory; `.` when none. */
  paths: string[];
  format: OutputFormat;
  /** Git ref to review the changes since (`--base`). */
  base?: string;
  /** Config file given with `--config`. */
  configFile?: string;
  /** `--fail-on`; overrides the config's `fail_on`. */
  failOn?: Severity;
}

export type ParsedCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'scan'; options: ScanOptions }
  | { kind: 'usage-error'; message: string };

export const USAGE = `Usage: api-security-review scan [paths...] [options]

Reviews the API endpoints in the given files and directories (default: .)
and fills in the API security checklist for each of them.

Options:
  --format <format>    text (default), json, markdown, or sarif (SARIF 2.1.0
                       for GitHub code scanning; paths relative to the repository root)
  --base <git-ref>     review only what changed since <git-ref>, like a pull request
  --config <file>      config file (default: .github/api-security-review.yml if present)
  --fail-on <severity> exit 1 on findings at or above this severity:
                       ${SEVERITIES.join(', ')} (default: the config's fail_on, high)
  -h, --help           show this help
  --version            show the version

Exit codes: 0 no findings at or above --fail-on, 1 findings at or above it,
2 usage or config error.
`;

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

/** Parses the arguments after the executable; never throws. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        base: { type: 'string' },
        config: { type: 'string' },
        'fail-on': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    // parseArgs's messages name the option and say what is wrong with it.
    return { kind: 'usage-error', message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };

  const [command, ...paths] = positionals;
  if (command === undefined) return { kind: 'usage-error', message: 'missing command: expected "scan"' };
  if (command !== 'scan') return { kind: 'usage-error', message: `unknown command "${command}": expected "scan"` };

  const format = values.format ?? 'text';
  if (!isOneOf(OUTPUT_FORMATS, format)) {
    return { kind: 'usage-error', message: `unknown --format "${format}": expected one of ${OUTPUT_FORMATS.join(', ')}` };
  }
  const failOn = values['fail-on'];
  if (failOn !== undefined && !isOneOf(SEVERITIES, failOn)) {
    return { kind: 'usage-error', message: `unknown --fail-on "${failOn}": expected one of ${SEVERITIES.join(', ')}` };
  }
  const base = values.base;
  // A ref is handed to git as an argument: one that starts with "-" would be read as an option.
  if (base !== undefined && (base.trim() === '' || base.startsWith('-'))) {
    return { kind: 'usage-error', message: `invalid --base "${base}": expected a git ref such as origin/main` };
  }
  if (values.config !== undefined && values.config.trim() === '') {
    return { kind: 'usage-error', message: '--config needs a file path' };
  }
  if (paths.some((path) => path === '')) return { kind: 'usage-error', message: 'an empty path was given' };

  return {
    kind: 'scan',
    options: {
      paths: paths.length > 0 ? paths : ['.'],
      format,
      base,
      configFile: values.config,
      failOn,
    },
  };
}
