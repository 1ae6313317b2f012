import type { ServiceMigration } from '../../../platform/db/migrate.js';

export const placementMigrations: ServiceMigration[] = [
  {
    name: '0001_init',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('placement_providers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('placement_inventories')
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('resource_class', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('reserved', 'integer', (c) => c.notNull())
        .addColumn('min_unit', 'integer', (c) => c.notNull())
        .addColumn('max_unit', 'integer', (c) => c.notNull())
        .addColumn('step_size', 'integer', (c) => c.notNull())
        .addColumn('allocation_ratio', 'real', (c) => c.notNull())
        .addPrimaryKeyConstraint('placement_inventories_pk', ['provider_id', 'resource_class'])
        .execute();
      await s
        .createTable('placement_allocations')
        .addColumn('consumer_id', 'text', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('resource_class', 'text', (c) => c.notNull())
        .addColumn('used', 'integer', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('placement_allocations_pk', ['consumer_id', 'provider_id', 'resource_class'])
        .execute();
      await s.createIndex('placement_allocations_provider').on('placement_allocations').columns(['provider_id', 'resource_class']).execute();
    },
  },
  {
    name: '0002_traits_aggregates_classes',
    async up(db) {
      const s = db.schema;
      await s.createTable('placement_traits').addColumn('name', 'text', (c) => c.primaryKey()).addColumn('created_at', 'text', (c) => c.notNull()).execute();
      await s
        .createTable('placement_provider_traits')
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('trait', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('placement_provider_traits_pk', ['provider_id', 'trait'])
        .execute();
      await s.createIndex('placement_provider_traits_trait').on('placement_provider_traits').column('trait').execute();
      await s
        .createTable('placement_provider_aggregates')
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('aggregate', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('placement_provider_aggregates_pk', ['provider_id', 'aggregate'])
        .execute();
      await s.createIndex('placement_provider_aggregates_agg').on('placement_provider_aggregates').column('aggregate').execute();
      await s.createTable('placement_resource_classes').addColumn('name', 'text', (c) => c.primaryKey()).addColumn('created_at', 'text', (c) => c.notNull()).execute();
    },
  },
];
