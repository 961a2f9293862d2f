package dev.ntm.engine.util;

/**
 * The engine's one random generator: SplitMix64, with a Box-Muller normal. Its sequence is fixed
 * by this code, not by the JDK's version, and its whole state is {@link #state()} (plus the spare
 * normal), so a checkpoint can save it and a resumed run continue the exact same stream.
 */
public final class SplitMix64 {
    private long state;
    private double spare;
    private boolean hasSpare;

    /** A generator seeded with {@code seed}. */
    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** Uniform integer in [0, bound), bound > 0 (Lemire's unbiased method). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be > 0, got " + bound);
        }
        long m = (nextLong() >>> 32) * bound;
        long l = m & 0xFFFFFFFFL;
        if (l < bound) {
            long t = (0x1_0000_0000L - bound) % bound;
            while (l < t) {
                m = (nextLong() >>> 32) * bound;
                l = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Uniform integer in [lo, hi], inclusive. */
    public int nextInt(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    /** A fair coin. */
    public boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** Standard normal. */
    public double gaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 <= 0);
        double u2 = nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        spare = r * Math.sin(2 * Math.PI * u2);
        hasSpare = true;
        return r * Math.cos(2 * Math.PI * u2);
    }

    /** The generator's state word (the spare normal is dropped by {@link #setState}). */
    public long state() {
        return state;
    }

    /** Restores a state saved by {@link #state()} and drops any spare normal. */
    public void setState(long state) {
        this.state = state;
        this.hasSpare = false;
    }
}
