import { abort, fail, pass, type Check, type Outcome } from '../testcase.js';
import { guestOutput, type GuestOutput } from './guest.js';

/** The verdict from the guest's output, or ABORT when no guest reported (never a made-up pass). */
const fromGuest =
  (judge: (sections: Record<string, string[]>) => Outcome): Check =>
  async (ctx) => {
    const out: GuestOutput = await guestOutput(ctx);
    const outcome = 'unavailable' in out ? abort(`scs-0101 needs a booted guest: ${out.unavailable}`) : judge(out.sections);
    if (!out.notCleanedUp?.length) return outcome;
    return { ...outcome, details: [...(outcome.details ?? []), ...out.notCleanedUp.map((l) => `not cleaned up: ${l}`)] };
  };

/** scs-0101-entropy-avail: the kernel of a fresh guest reports 256 bits of available entropy. */
export const entropyAvail = fromGuest((sections) => {
  const value = sections['entropy-avail']?.[0]?.trim();
  if (value === undefined) return abort('the guest printed no entropy_avail line');
  return value === '256' ? pass('entropy_avail is 256') : fail(`entropy_avail of a fresh guest is ${value}, must be 256`);
});

/** scs-0101-fips-test: rngtest over 1000 blocks of /dev/random fails at most 5 (3 strictly) FIPS 140-2 tests. */
export const fipsTest = fromGuest((sections) => {
  const text = (sections['fips-test'] ?? []).join('\n');
  const m = /failures:\s(\d+)/.exec(text);
  if (!m) return abort('the guest printed no rngtest result (rng-tools could not be installed?)', (sections['fips-test'] ?? []).slice(0, 5));
  const failures = Number(m[1]);
  if (failures <= 3) return pass(`rngtest: ${failures} failures in 1000 blocks`);
  if (failures <= 5) return pass(`rngtest: ${failures} failures in 1000 blocks (within the lenient limit of 5)`);
  return fail(`rngtest: ${failures} FIPS 140-2 failures in 1000 blocks, at most 5 allowed`);
});
