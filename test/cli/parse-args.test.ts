import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/parse-args.js';

describe('parseCommandLine', () => {
  it('scans the working directory as text by default', () => {
    expect(parseCommandLine(['scan'])).toEqual({ kind: 'scan', options: { paths: ['.'], format: 'text', base: undefined, configFile: undefined, failOn: undefined } });
  });

  it('reads every option of the contract', () => {
    expect(parseCommandLine(['scan', 'src', 'app', '--format', 'json', '--base', 'origin/main', '--config', 'cfg.yml', '--fail-on', 'medium'])).toEqual({
      kind: 'scan',
      options: { paths: ['src', 'app'], format: 'json', base: 'origin/main', configFile: 'cfg.yml', failOn: 'medium' },
    });
    expect(parseCommandLine(['scan', '--format=markdown'])).toMatchObject({ kind: 'scan', options: { format: 'markdown' } });
  });

  it('accepts only the implemented formats', () => {
    expect(parseCommandLine(['scan', '--format', 'sarif'])).toMatchObject({ kind: 'scan', options: { format: 'sarif' } });
    expect(parseCommandLine(['scan', '--format', 'xml'])).toEqual({ kind: 'usage-error', message: 'unknown --format "xml": expected one of text, json, markdown, sarif' });
  });

  it('rejects an unknown severity for --fail-on', () => {
    expect(parseCommandLine(['scan', '--fail-on', 'severe'])).toMatchObject({ kind: 'usage-error', message: expect.stringContaining('--fail-on "severe"') });
  });

  it('rejects a --base that git would read as an option', () => {
    expect(parseCommandLine(['scan', '--base=--output=/tmp/x'])).toMatchObject({ kind: 'usage-error', message: expect.stringContaining('invalid --base') });
    expect(parseCommandLine(['scan', '--base', ''])).toMatchObject({ kind: 'usage-error' });
  });

  it('rejects unknown options, a missing value and unknown commands', () => {
    expect(parseCommandLine(['scan', '--colour'])).toMatchObject({ kind: 'usage-error', message: expect.stringContaining("Unknown option '--colour'") });
    expect(parseCommandLine(['scan', '--format'])).toMatchObject({ kind: 'usage-error', message: expect.stringContaining('--format') });
    expect(parseCommandLine([])).toEqual({ kind: 'usage-error', message: 'missing command: expected "scan"' });
    expect(parseCommandLine(['check', 'src'])).toEqual({ kind: 'usage-error', message: 'unknown command "check": expected "scan"' });
  });

  it('answers --help and --version before anything else', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['scan', '-h'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
  });
});
