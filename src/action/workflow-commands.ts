/**
 * GitHub Actions workflow commands (`::error file=..,line=..::message`) and
 * the files the runner reads back ($GITHUB_STEP_SUMMARY, $GITHUB_OUTPUT).
 * Escaping as the runner decodes it (actions/toolkit's command.ts): data
 * escapes `%`, CR and LF; properties also `:` and `,`. Without it a finding
 * message holding a newline or `::` would end the command early.
 */
import type { CheckAnnotation } from '../render/annotations.js';

export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND_OF_LEVEL: Record<CheckAnnotation['annotation_level'], 'error' | 'warning' | 'notice'> = {
  failure: 'error',
  warning: 'warning',
  notice: 'notice',
};

/** One annotation on a file and line of the workflow run, from a check run annotation. */
export function annotationCommand(annotation: CheckAnnotation): string {
  const properties = [
    `file=${escapeCommandProperty(annotation.path)}`,
    `line=${annotation.start_line}`,
    ...(annotation.end_line > annotation.start_line ? [`endLine=${annotation.end_line}`] : []),
    `title=${escapeCommandProperty(annotation.title)}`,
  ].join(',');
  return `::${COMMAND_OF_LEVEL[annotation.annotation_level] ?? 'error'} ${properties}::${escapeCommandData(annotation.message)}\n`;
}

/** A message without a place: shown on the run's summary page. */
export function messageCommand(level: 'error' | 'warning' | 'notice', message: string): string {
  return `::${level}::${escapeCommandData(message)}\n`;
}

/**
 * `name=value` for $GITHUB_OUTPUT, with the heredoc form for values holding
 * a newline (a random delimiter, so a value cannot end it).
 */
export function outputLine(name: string, value: string, delimiter: string): string {
  if (!value.includes('\n')) return `${name}=${value}\n`;
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}
