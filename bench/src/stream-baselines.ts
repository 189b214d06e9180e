// Peers of the stream benchmarks, measured once on this kind of machine and recorded here as constants (issue 4):
// CrowdSec 1.4.6's decision stream as a bouncer sees it. They are not re-measured by `npm run bench`.

/** A decision reaching a bouncer polling at CrowdSec's default 10 s interval. */
export const CROWDSEC_POLL_10S_P50_MS = 4000;
export const CROWDSEC_POLL_10S_P95_MS = 9000;

/** The same with the bouncer polling every second. */
export const CROWDSEC_POLL_1S_P50_MS = 600;
export const CROWDSEC_POLL_1S_P95_MS = 1050;

/** A bouncer's `startup=true` pull of 100k decisions: time and uncompressed JSON on the wire, before it applies any. */
export const CROWDSEC_STARTUP_100K_MS = 925;
export const CROWDSEC_STARTUP_100K_BYTES = 13.8e6;
