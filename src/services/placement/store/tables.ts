export interface ProviderRow {
  id: string;
  name: string;
  generation: number;
  created_at: string;
  updated_at: string;
}

export interface InventoryRow {
  provider_id: string;
  resource_class: string;
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

export interface AllocationRow {
  consumer_id: string;
  provider_id: string;
  resource_class: string;
  used: number;
  project_id: string;
  user_id: string;
}

/** Custom traits and resource classes (the standard ones are data in the code). */
export interface NamedRow {
  name: string;
  created_at: string;
}

export interface PlacementTables {
  placement_providers: ProviderRow;
  placement_inventories: InventoryRow;
  placement_allocations: AllocationRow;
  placement_traits: NamedRow;
  placement_provider_traits: { provider_id: string; trait: string };
  placement_provider_aggregates: { provider_id: string; aggregate: string };
  placement_resource_classes: NamedRow;
}
