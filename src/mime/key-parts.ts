import type { InnerContent } from './build-inner.js';
import { decodeText, transferDecode } from './decode.js';
import { guard } from './errors.js';
import { Budget, resolveLimits, type MimeLimits } from './limits.js';
import { partFilename } from './part-info.js';
import { parseTree, type MimeNode } from './tree.js';

/**
 * OpenPGP public keys a member sent in a message: attached (application/pgp-keys, or a file named
 * *.asc, *.gpg, *.pgp, *.key: what "Attach my public key" in Thunderbird and Enigmail produce) or
 * pasted as an armored block into the text. Pure; throws only MimeError.
 */
export interface KeyMaterial {
  /** Armored PUBLIC KEY BLOCKs, distinct, in order of appearance. */
  armored: string[];
  /** Binary key attachments. */
  binary: Uint8Array[];
}

const BLOCK = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g;
const KEY_FILE = /\.(asc|gpg|pgp|key)$/i;

function addArmored(out: KeyMaterial, text: string): boolean {
  let found = false;
  for (const m of text.matchAll(BLOCK)) {
    found = true;
    if (!out.armored.includes(m[0])) out.armored.push(m[0]);
  }
  return found;
}

export function findKeyMaterial(content: InnerContent, limits: Partial<MimeLimits> = {}): KeyMaterial {
  const out: KeyMaterial = { armored: [], binary: [] };
  if (content.kind === 'pieces') {
    addArmored(out, content.text);
    for (const a of content.attachments) {
      const text = Buffer.from(a.data).toString('latin1');
      if (!addArmored(out, text) && (a.contentType === 'application/pgp-keys' || KEY_FILE.test(a.filename))) out.binary.push(a.data);
    }
    return out;
  }
  return guard('decrypted content', () => {
    const budget = new Budget(resolveLimits(limits));
    const src = Buffer.concat([Buffer.from(content.contentHeaders + '\r\n', 'latin1'), Buffer.from(content.body)]);
    const pending: MimeNode[] = [parseTree(src, budget)];
    while (pending.length > 0) {
      const node = pending.pop() as MimeNode;
      if (node.children.length > 0) {
        for (let i = node.children.length - 1; i >= 0; i--) pending.push(node.children[i] as MimeNode);
        continue;
      }
      const ct = node.contentType;
      const name = partFilename(node) ?? '';
      const keyPart = ct.mediaType === 'application/pgp-keys' || KEY_FILE.test(name);
      if (ct.type !== 'text' && !keyPart) continue;
      const bytes = transferDecode(node, budget);
      const text = ct.type === 'text' ? decodeText(bytes, ct.params['charset'], budget) : bytes.toString('latin1');
      if (!addArmored(out, text) && keyPart) out.binary.push(new Uint8Array(bytes));
    }
    return out;
  });
}
