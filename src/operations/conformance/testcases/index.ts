import type { Check } from '../testcase.js';
import { entropyAvail, fipsTest } from './entropy.js';
import { flavorSemantics, flavorSyntax, standardFlavor } from './flavors.js';
import { imageMetadataChecks } from './image-metadata.js';
import { defaultSecurityGroupRules } from './security-groups.js';
import { keyManagerPermissions, SERVICE_TYPES, servicePresent } from './services.js';
import { standardImage } from './standard-images.js';
import { volumeBackup, volumeTypeAspect, volumeTypeSyntax } from './volumes.js';

const FIXED: Record<string, Check> = {
  'scs-0100-syntax-check': flavorSyntax,
  'scs-0100-semantics-check': flavorSemantics,
  'scs-0101-entropy-avail': entropyAvail,
  'scs-0101-fips-test': fipsTest,
  ...imageMetadataChecks,
  'scs-0114-syntax-check': volumeTypeSyntax,
  'scs-0114-encrypted-type': volumeTypeAspect('encrypted'),
  'scs-0114-replicated-type': volumeTypeAspect('replicated'),
  'scs-0115-default-rules': defaultSecurityGroupRules,
  'scs-0116-permissions': keyManagerPermissions,
  'scs-0117-test-backup': volumeBackup,
};

/** The implementation of a testcase id, or undefined when this suite has none. */
export function checkFor(id: string): Check | undefined {
  if (FIXED[id]) return FIXED[id];
  if (SERVICE_TYPES[id]) return servicePresent(id);
  if (id.startsWith('scs-0103-flavor-')) return standardFlavor(id);
  if (/^scs-0104-(source|image)-/.test(id)) return standardImage(id);
  return undefined;
}
