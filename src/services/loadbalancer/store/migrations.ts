import type { ServiceMigration } from '../../../platform/db/migrate.js';

export const loadbalancerMigrations: ServiceMigration[] = [
  {
    name: 'lb_0001_init',
    async up(db) {
      const s = db.schema;
      // Every Octavia object is one row: what is filtered, compare-and-set or walked as a tree is
      // a column (kind, owner, parent, statuses), the object's own attributes a JSON document.
      await s
        .createTable('lb_objects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        // The load balancer every object hangs under (its own id for a load balancer).
        .addColumn('lb_id', 'text', (c) => c.notNull())
        // member and health monitor: their pool; L7 policy: its listener; L7 rule: its policy.
        .addColumn('parent_id', 'text')
        .addColumn('provisioning_status', 'text', (c) => c.notNull())
        .addColumn('operating_status', 'text', (c) => c.notNull())
        .addColumn('doc', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('lb_objects_kind_project').on('lb_objects').columns(['kind', 'project_id']).execute();
      await s.createIndex('lb_objects_lb').on('lb_objects').columns(['lb_id', 'kind']).execute();
      await s
        .createTable('lb_quotas')
        .addColumn('project_id', 'text', (c) => c.primaryKey())
        .addColumn('doc', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: 'lb_0002_catalog',
    async up(db) {
      // Flavor profiles, flavors, availability zone profiles and availability zones: few rows, read
      // whole. `unique_name` is the name where Octavia keeps names unique (flavors, availability
      // zones; null for profiles, and nulls never collide); `profile_id` is what "in use" counts.
      await db.schema
        .createTable('lb_catalog')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('unique_name', 'text')
        .addColumn('profile_id', 'text')
        .addColumn('doc', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_catalog_pk', ['kind', 'id'])
        .addUniqueConstraint('lb_catalog_unique_name', ['kind', 'unique_name'])
        .execute();
      await db.schema.createIndex('lb_catalog_profile').on('lb_catalog').columns(['kind', 'profile_id']).execute();
    },
  },
];
