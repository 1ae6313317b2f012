/** What other services may ask of the object store. */
export interface ObjectStoreClient {
  /** Buckets, object versions and stored bytes of a project (usage reports and quotas). */
  projectUsage(projectId: string): Promise<{ buckets: number; objects: number; bytes: number }>;
}
