import { openRoot, type Root } from './db.js';
import { AuditRepo } from './audit.js';
import { GroupCommitter, type Build } from './commit.js';
import { ComchecksRepo } from './comchecks.js';
import { DeliveriesRepo } from './deliveries.js';
import { ListsRepo } from './lists.js';
import { MembersRepo } from './members.js';
import { MessagesRepo } from './messages.js';
import { migrate } from './migrate.js';
import { ReplayRepo } from './replay.js';
import { Tx } from './tx.js';

/** The embedded store: one LevelDB under dataDir, reached only through these repositories. */
export class Store {
  readonly lists: ListsRepo;
  readonly members: MembersRepo;
  readonly messages: MessagesRepo;
  readonly deliveries: DeliveriesRepo;
  readonly replay: ReplayRepo;
  readonly audit: AuditRepo;
  readonly comchecks: ComchecksRepo;
  private readonly committer: GroupCommitter;

  private constructor(private readonly root: Root) {
    this.lists = new ListsRepo(root);
    this.members = new MembersRepo(root);
    this.messages = new MessagesRepo(root);
    this.deliveries = new DeliveriesRepo(root);
    this.replay = new ReplayRepo(root);
    this.audit = new AuditRepo(root);
    this.comchecks = new ComchecksRepo(root);
    this.committer = new GroupCommitter(root);
  }

  /** Opens (creating if needed) and migrates. Throws StoreLockedError when another process holds it. */
  static async open(dataDir: string): Promise<Store> {
    const root = await openRoot(dataDir);
    try {
      await migrate(root);
    } catch (err) {
      await root.close();
      throw err;
    }
    return new Store(root);
  }

  /** A transaction the caller commits itself (administrative changes). */
  tx(): Tx {
    return new Tx(this.root);
  }

  /** A durable change through group commit: resolves once it is on disk (synced). */
  commit(build: Build): Promise<void> {
    return this.committer.commit(build);
  }

  async close(): Promise<void> {
    await this.committer.flush();
    await this.root.close();
  }
}
