/** Resource amounts by resource class (`VCPU`, `MEMORY_MB`, `DISK_GB`). */
export type Resources = Record<string, number>;

export interface InventoryInput {
  total: number;
  reserved?: number;
  min_unit?: number;
  max_unit?: number;
  step_size?: number;
  allocation_ratio?: number;
}

/** A provider that can fit a request, with what is left of each class after existing allocations. */
export interface Candidate {
  providerId: string;
  name: string;
  free: Resources;
}

/** What the compute scheduler asks of placement (the way Nova calls the placement API). */
export interface PlacementClient {
  /** Creates the provider or updates its inventories (a compute host reporting its resources). */
  ensureProvider(id: string, name: string, inventories: Record<string, InventoryInput>): Promise<void>;
  /** Providers (among `among`, when given) with room for `resources`, as allocation candidates. */
  candidates(resources: Resources, among?: string[]): Promise<Candidate[]>;
  /**
   * Replaces the consumer's allocations with `resources` on one provider, atomically and only if
   * they fit (capacity is checked with the provider's generation as compare-and-set). False when not.
   */
  claim(consumerId: string, providerId: string, resources: Resources, owner: { projectId: string; userId: string }): Promise<boolean>;
  /** Removes every allocation of the consumer. Idempotent. */
  release(consumerId: string): Promise<void>;
  /** The provider each of these consumers has allocations on (consumers without any are left out). */
  providersOf(consumerIds: string[]): Promise<Map<string, string>>;
  /** Used amounts per class on a provider. */
  usages(providerId: string): Promise<Resources>;
}
