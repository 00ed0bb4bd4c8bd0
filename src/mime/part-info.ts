import libmime from 'libmime';
import type { MimeNode } from './tree.js';
import { stripControls } from './validate.js';

/** Metadata about a part, never its content. */
export interface PartInfo {
  /** Lowercased media type, e.g. "application/pdf". */
  contentType: string;
  /** Sanitised file name (no directories, no controls), or null when the part names none. */
  filename: string | null;
  /** Size in bytes after transfer decoding. */
  size: number;
}

/**
 * The part's file name (Content-Disposition filename, else Content-Type name), reduced to a
 * base name without control characters: it may end up in a notice or an outbound header.
 */
export function partFilename(node: MimeNode): string | null {
  const raw = node.disposition.params['filename'] ?? node.contentType.params['name'];
  if (raw === undefined) return null;
  const base = stripControls(raw).split(/[/\\]/).pop() ?? '';
  const name = base.replace(/^\.+$/, '').slice(0, 200);
  return name.length > 0 ? name : null;
}

export function isAttachmentLike(node: MimeNode): boolean {
  return node.disposition.type === 'attachment' || partFilename(node) !== null || node.contentType.type !== 'text';
}

/** Guess the original type of "report.pdf" once ".pgp" is gone; libmime's table, octet-stream when unknown. */
export function guessContentType(filename: string): string {
  return filename.includes('.') ? libmime.detectMimeType(filename).toLowerCase() : 'application/octet-stream';
}
