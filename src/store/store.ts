import { openRoot, type Root } from './db.js';
import { ListsRepo } from './lists.js';
import { MembersRepo } from './members.js';
import { migrate } from './migrate.js';
import { Tx } from './tx.js';

/** The embedded store: one LevelDB under dataDir, reached only through these repositories. */
export class Store {
  readonly lists: ListsRepo;
  readonly members: MembersRepo;

  private constructor(private readonly root: Root) {
    this.lists = new ListsRepo(root);
    this.members = new MembersRepo(root);
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

  tx(): Tx {
    return new Tx(this.root);
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
