import { abort, type Check } from '../testcase.js';

/**
 * scs-0101-entropy-avail / -fips-test need a real guest: the check boots a server and reads
 * entropy_avail and the rngtest result from its serial console. This suite does not boot guests,
 * so it reports ABORT with that reason instead of a verdict it could not establish.
 */
export const entropyInGuest: Check = async () =>
  abort('needs a booted guest whose serial console reports entropy_avail and rngtest; this suite does not boot servers, so the check cannot be made');
