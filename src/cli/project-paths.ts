/**
 * Paths in the CLI come in three kinds: as typed (relative to the working
 * directory), absolute, and project paths (relative to the project root,
 * with `/`), which is what the engine, the config globs and the context
 * reader use, exactly as the app uses repository paths.
 */
import path from 'node:path';

/** The project path of an absolute path, or undefined when it lies outside the root. */
export function toProjectPath(root: string, absolute: string): string | undefined {
  const relative = path.relative(root, absolute);
  if (relative === '') return '';
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}

/** The absolute path of a project path. */
export function fromProjectPath(root: string, projectPath: string): string {
  return path.join(root, ...projectPath.split('/'));
}

/** Converts project paths to paths relative to the working directory, for output. */
export function createOutputPathMapper(root: string, cwd: string): (projectPath: string) => string {
  return (projectPath) => {
    const relative = path.relative(cwd, fromProjectPath(root, projectPath));
    return relative === '' ? '.' : relative.split(path.sep).join('/');
  };
}

/** Orders paths the same on every machine (localeCompare depends on the locale). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
