/**
 * Builds source text line by line with two-space indentation, so the
 * generators read as the code they produce and the line count (the size the
 * corpus distribution is drawn in) is always known.
 */
export class CodeWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  get lineCount(): number {
    return this.lines.length;
  }

  line(text = ''): this {
    this.lines.push(text === '' ? '' : '  '.repeat(this.depth) + text);
    return this;
  }

  /**
   * `open`, the body one level deeper, then `close` (e.g. `{` ... `}`).
   * `close` null leaves the block open for a continuation such as `} catch (err) {`.
   */
  block(open: string, body: () => void, close: string | null = '}'): this {
    this.line(open);
    this.depth++;
    body();
    this.depth--;
    return close === null ? this : this.line(close);
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
