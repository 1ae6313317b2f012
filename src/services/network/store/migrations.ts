import type { ServiceMigration } from '../../../platform/db/migrate.js';

export const networkMigrations: ServiceMigration[] = [
  {
    name: '0001_init',
    async up(db) {
      const s = db.schema;
      // Every Neutron resource is one row: the standard attributes as columns (they are filtered,
      // sorted and compare-and-set), the resource's own attributes as a JSON document.
      await s
        .createTable('net_resources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        // The owning resource: network of a subnet or port, group of a rule, object of an RBAC policy.
        .addColumn('parent_id', 'text')
        // The device of a port (server, router, floating IP).
        .addColumn('ref_id', 'text')
        .addColumn('doc', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('revision_number', 'integer', (c) => c.notNull())
        .execute();
      await s.createIndex('net_resources_kind_project').on('net_resources').columns(['kind', 'project_id']).execute();
      await s.createIndex('net_resources_parent').on('net_resources').columns(['parent_id', 'kind']).execute();
      await s.createIndex('net_resources_ref').on('net_resources').columns(['ref_id', 'kind']).execute();
      // IPAM: the primary key is what makes an address impossible to hand out twice, across processes.
      await s
        .createTable('net_ip_allocations')
        .addColumn('subnet_id', 'text', (c) => c.notNull())
        .addColumn('ip_address', 'text', (c) => c.notNull())
        .addColumn('port_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('net_ip_allocations_pk', ['subnet_id', 'ip_address'])
        .execute();
      await s.createIndex('net_ip_allocations_port').on('net_ip_allocations').column('port_id').execute();
      await s
        .createTable('net_macs')
        .addColumn('network_id', 'text', (c) => c.notNull())
        .addColumn('mac_address', 'text', (c) => c.notNull())
        .addColumn('port_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('net_macs_pk', ['network_id', 'mac_address'])
        .execute();
      // One default security group per project, even when two first requests race.
      await s
        .createTable('net_default_groups')
        .addColumn('project_id', 'text', (c) => c.primaryKey())
        .addColumn('security_group_id', 'text', (c) => c.notNull())
        .execute();
      // One-time bootstrap steps done (seeding the default security group rules).
      await s.createTable('net_markers').addColumn('name', 'text', (c) => c.primaryKey()).execute();
      await s
        .createTable('net_quotas')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('net_quotas_pk', ['project_id', 'resource'])
        .execute();
    },
  },
  {
    // When a claim was made: claims of ports that never got created (a crash in between) are swept.
    name: '0002_claim_times',
    async up(db) {
      await db.schema.alterTable('net_ip_allocations').addColumn('claimed_at', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.alterTable('net_macs').addColumn('claimed_at', 'text', (c) => c.notNull().defaultTo('')).execute();
    },
  },
  {
    // agent, l3_agent_scheduler, dhcp_agent_scheduler, flavors: see store/agents.ts and store/flavors.ts.
    name: '0003_agents_flavors',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('net_agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent_type', 'text', (c) => c.notNull())
        .addColumn('binary', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('availability_zone', 'text')
        .addColumn('admin_state_up', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('heartbeat_timestamp', 'text', (c) => c.notNull())
        .execute();
      // One agent of a type per host, however many processes report it.
      await s.createIndex('net_agents_type_host').on('net_agents').columns(['agent_type', 'host']).unique().execute();
      // A legacy router is hosted by at most one L3 agent: the key makes a second binding impossible.
      await s
        .createTable('net_router_agents')
        .addColumn('router_id', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('net_router_agents_agent').on('net_router_agents').column('agent_id').execute();
      await s
        .createTable('net_network_agents')
        .addColumn('network_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('net_network_agents_pk', ['network_id', 'agent_id'])
        .execute();
      await s.createIndex('net_network_agents_agent').on('net_network_agents').column('agent_id').execute();
      await s
        .createTable('net_flavor_profiles')
        .addColumn('flavor_id', 'text', (c) => c.notNull())
        .addColumn('service_profile_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('net_flavor_profiles_pk', ['flavor_id', 'service_profile_id'])
        .execute();
      await s.createIndex('net_flavor_profiles_profile').on('net_flavor_profiles').column('service_profile_id').execute();
    },
  },
];
