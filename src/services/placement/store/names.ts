import type { Kysely } from 'kysely';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { STANDARD_CLASSES } from '../model/standard-classes.js';
import { STANDARD_TRAITS } from '../model/standard-traits.js';
import type { PlacementTables } from './tables.js';

const CUSTOM = /^CUSTOM_[A-Z0-9_]+$/;

/**
 * Traits and resource classes: standard names (data shipped with the code) plus the custom ones
 * users add, which must be `CUSTOM_` names. Both behave alike, so one store serves both kinds.
 */
export class NameStore {
  private readonly standard: ReadonlySet<string>;

  constructor(
    private readonly db: Kysely<PlacementTables>,
    private readonly kind: 'trait' | 'resource class',
  ) {
    this.standard = new Set(kind === 'trait' ? STANDARD_TRAITS : STANDARD_CLASSES);
  }

  private get table() {
    return this.kind === 'trait' ? ('placement_traits' as const) : ('placement_resource_classes' as const);
  }

  async all(): Promise<string[]> {
    const custom = await this.db.selectFrom(this.table).select('name').execute();
    return [...this.standard, ...custom.map((r) => r.name).sort()];
  }

  async exists(name: string): Promise<boolean> {
    if (this.standard.has(name)) return true;
    return !!(await this.db.selectFrom(this.table).select('name').where('name', '=', name).executeTakeFirst());
  }

  /** The names of `names` that do not exist. */
  async unknown(names: string[]): Promise<string[]> {
    const custom = names.filter((n) => !this.standard.has(n));
    if (!custom.length) return [];
    const found = new Set((await this.db.selectFrom(this.table).select('name').where('name', 'in', custom).execute()).map((r) => r.name));
    return custom.filter((n) => !found.has(n));
  }

  /** Creates a custom name; false when it already existed. */
  async create(name: string): Promise<boolean> {
    if (!CUSTOM.test(name)) {
      throw badRequest(this.kind === 'trait' ? `The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"` : `'${name}' does not match '^CUSTOM_[A-Z0-9_]+$'`);
    }
    if (await this.exists(name)) return false;
    try {
      await this.db.insertInto(this.table).values({ name, created_at: new Date().toISOString() }).execute();
      return true;
    } catch {
      // a concurrent create of the same name
      return false;
    }
  }

  /** Deletes a custom name; `inUse` tells whether providers still refer to it. */
  async remove(name: string, inUse: () => Promise<boolean>): Promise<void> {
    if (this.standard.has(name)) {
      throw badRequest(this.kind === 'trait' ? `Cannot delete standard trait ${name}.` : `Cannot delete standard resource class ${name}: Cannot delete standard resource class.`);
    }
    if (!(await this.exists(name))) throw notFound(this.kind === 'trait' ? `No such trait(s): ${name}` : `No such resource class ${name}.`);
    if (await inUse()) {
      throw conflict(this.kind === 'trait' ? `The trait ${name} is in use by a resource provider.` : `Unable to delete resource class ${name}. Class is in use in inventory.`);
    }
    await this.db.deleteFrom(this.table).where('name', '=', name).execute();
  }
}
