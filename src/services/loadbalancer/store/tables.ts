export interface LbTables {
  lb_objects: {
    id: string;
    kind: string;
    project_id: string;
    lb_id: string;
    parent_id: string | null;
    provisioning_status: string;
    operating_status: string;
    doc: string;
    created_at: string;
    updated_at: string;
  };
  lb_quotas: { project_id: string; doc: string };
  lb_catalog: { kind: string; id: string; unique_name: string | null; profile_id: string | null; doc: string };
}
