import fs from 'node:fs';
import path from 'node:path';

export interface JournalEntry {
  messageId: string;
  recipient: string;
  at: string;
  reply: string;
}

/**
 * The smallest possible window for a duplicate. When the smarthost says 250 for a copy, that fact
 * is appended here with one synchronous write() before anything else happens: no thread pool, no
 * event-loop turn. A write() that returned survives the death of the process (it is in the kernel's
 * page cache), so a daemon killed before its synced store update still knows, on restart, that the
 * copy went out and does not send it again. (A power cut can lose the last lines; the synced store
 * write that follows covers that case, minus the few milliseconds in between.)
 *
 * Lines are JSON; a torn last line is ignored. The file is emptied once every entry in it has also
 * reached the store.
 */
export class SentJournal {
  private fd: number | null = null;
  private unpersisted = 0;
  private lines = 0;

  constructor(
    private readonly file: string,
    private readonly truncateAfter = 10_000,
  ) {}

  static pathIn(dataDir: string): string {
    return path.join(dataDir, 'sent.journal');
  }

  /** Entries written by a previous run (to apply to the store before the queue resumes). */
  read(): JournalEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: JournalEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const v = JSON.parse(line) as Partial<JournalEntry>;
        if (typeof v.messageId === 'string' && typeof v.recipient === 'string') {
          out.push({ messageId: v.messageId, recipient: v.recipient, at: String(v.at ?? ''), reply: String(v.reply ?? '') });
        }
      } catch {
        // A line torn by the crash: its copy will be sent again, which is the safe side.
      }
    }
    return out;
  }

  open(): void {
    this.fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
    fs.ftruncateSync(this.fd, 0);
    fs.fsyncSync(this.fd);
  }

  /** Synchronously note that a copy was accepted by the smarthost. */
  noteSent(e: JournalEntry): void {
    if (this.fd === null) return;
    fs.writeSync(this.fd, JSON.stringify(e) + '\n');
    this.unpersisted++;
    this.lines++;
  }

  /** The store now has that outcome too. */
  persisted(): void {
    if (this.unpersisted > 0) this.unpersisted--;
    if (this.fd !== null && this.unpersisted === 0 && this.lines >= this.truncateAfter) {
      fs.ftruncateSync(this.fd, 0);
      this.lines = 0;
    }
  }

  close(): void {
    if (this.fd === null) return;
    if (this.unpersisted === 0) fs.ftruncateSync(this.fd, 0);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
