/** Durable job kinds: a server build, and every other guest operation. */
export const BUILD_JOB = 'compute.build';
export const ACTION_JOB = 'compute.action';

/** Nova's power states. */
export const POWER = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;

/** The API status of a vm_state/task_state pair (nova/api/openstack/common.py). */
export function serverStatus(vmState: string, taskState: string | null): string {
  if (vmState === 'active') {
    switch (taskState) {
      case 'rebooting':
      case 'reboot_pending':
      case 'reboot_started':
        return 'REBOOT';
      case 'rebooting_hard':
      case 'reboot_pending_hard':
      case 'reboot_started_hard':
        return 'HARD_REBOOT';
      case 'rebuilding':
      case 'rebuild_block_device_mapping':
      case 'rebuild_spawning':
        return 'REBUILD';
      case 'migrating':
        return 'MIGRATING';
      case 'resize_prep':
      case 'resize_migrating':
      case 'resize_migrated':
      case 'resize_finish':
        return 'RESIZE';
      default:
        return 'ACTIVE';
    }
  }
  if (vmState === 'stopped') {
    if (taskState === 'resize_prep' || taskState === 'resize_migrating' || taskState === 'resize_finish') return 'RESIZE';
    if (taskState === 'rebuilding') return 'REBUILD';
    return 'SHUTOFF';
  }
  if (vmState === 'resized') return taskState === 'resize_reverting' ? 'REVERT_RESIZE' : 'VERIFY_RESIZE';
  const map: Record<string, string> = {
    building: 'BUILD',
    paused: 'PAUSED',
    suspended: 'SUSPENDED',
    rescued: 'RESCUE',
    error: 'ERROR',
    deleted: 'DELETED',
    soft_deleted: 'SOFT_DELETED',
    shelved: 'SHELVED',
    shelved_offloaded: 'SHELVED_OFFLOADED',
  };
  return map[vmState] ?? 'UNKNOWN';
}

/** The vm (and task) states a status filter selects (the reverse of serverStatus). */
export function statesForStatus(status: string): { vmStates: string[]; taskStates?: Array<string | null> } {
  switch (status.toUpperCase()) {
    case 'ACTIVE':
      return { vmStates: ['active'], taskStates: [null, 'deleting', 'powering-off', 'powering-on', 'pausing', 'suspending', 'image_snapshot', 'shelving', 'shelving_offloading'] };
    case 'REBOOT':
      return { vmStates: ['active'], taskStates: ['rebooting'] };
    case 'HARD_REBOOT':
      return { vmStates: ['active'], taskStates: ['rebooting_hard'] };
    case 'REBUILD':
      return { vmStates: ['active', 'stopped'], taskStates: ['rebuilding'] };
    case 'RESIZE':
      return { vmStates: ['active', 'stopped'], taskStates: ['resize_prep', 'resize_migrating', 'resize_finish'] };
    case 'MIGRATING':
      return { vmStates: ['active'], taskStates: ['migrating'] };
    case 'VERIFY_RESIZE':
      return { vmStates: ['resized'], taskStates: [null] };
    case 'REVERT_RESIZE':
      return { vmStates: ['resized'], taskStates: ['resize_reverting'] };
    case 'SHUTOFF':
      return { vmStates: ['stopped'] };
    case 'BUILD':
      return { vmStates: ['building'] };
    case 'PAUSED':
      return { vmStates: ['paused'] };
    case 'SUSPENDED':
      return { vmStates: ['suspended'] };
    case 'ERROR':
      return { vmStates: ['error'] };
    case 'SHELVED':
      return { vmStates: ['shelved'] };
    case 'RESCUE':
      return { vmStates: ['rescued'] };
    case 'SHELVED_OFFLOADED':
      return { vmStates: ['shelved_offloaded'] };
    case 'DELETED':
      return { vmStates: ['deleted'] };
    default:
      return { vmStates: [] };
  }
}
