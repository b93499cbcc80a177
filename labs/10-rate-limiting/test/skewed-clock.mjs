// Preloaded (node --import) into one app instance by the tests, to play a machine whose clock is
// off: Date.now() and new Date() run LAB_CLOCK_SKEW_MS ahead (or behind, if negative). Real
// instances on real machines disagree like this; only a clock they share (Redis's TIME) is safe.
const skew = Number(process.env.LAB_CLOCK_SKEW_MS ?? 0);
const RealDate = Date;

class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + skew);
    else super(...args);
  }
  static now() {
    return RealDate.now() + skew;
  }
}

globalThis.Date = SkewedDate;
