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

export interface PlacementTables {
  placement_providers: ProviderRow;
  placement_inventories: InventoryRow;
  placement_allocations: AllocationRow;
}
