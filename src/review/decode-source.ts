/**
 * Turns fetched bytes into source text, or says why it cannot be analysed.
 * GitHub serves whatever is in the repository: UTF-8, UTF-16 with a BOM,
 * binaries under a source extension, invalid UTF-8.
 */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export type DecodedSource = { ok: true; text: string } | { ok: false; reason: string };

export function decodeSource(bytes: Uint8Array, maxBytes = MAX_SOURCE_BYTES): DecodedSource {
  if (bytes.length > maxBytes) {
    return { ok: false, reason: `file is ${formatSize(bytes.length)}, over the ${formatSize(maxBytes)} analysis limit` };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { ok: true, text: new TextDecoder('utf-16le').decode(bytes.subarray(2)) };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { ok: true, text: new TextDecoder('utf-16be').decode(bytes.subarray(2)) };
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  if (body.includes(0)) return { ok: false, reason: 'binary file (contains NUL bytes)' };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(body) };
  } catch {
    return { ok: false, reason: 'not valid UTF-8 text' };
  }
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
