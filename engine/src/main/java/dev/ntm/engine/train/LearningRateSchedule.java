package dev.ntm.engine.train;

import java.util.Locale;

/**
 * A step decay of the learning rate, with an optional linear warm-up: after every {@code every}
 * training sequences the rate is multiplied by {@code factor}, so the rate for a batch that starts
 * after {@code s} sequences is {@code base * factor^floor(s / every)}; with a warm-up of {@code W}
 * sequences that rate is further multiplied by {@code min(1, (s + 1) / W)}. It depends only on the
 * sequence count, so a resumed run and a run on any number of threads get the same rates.
 * {@link #NONE} keeps the rate constant.
 *
 * @param factor multiplier applied at each step, in (0, 1]
 * @param every  sequences between steps; 0 for no decay
 * @param warmup sequences over which the rate rises linearly to its scheduled value; 0 for none
 */
public record LearningRateSchedule(double factor, long every, long warmup) {

    /** A constant learning rate. */
    public static final LearningRateSchedule NONE = new LearningRateSchedule(1.0, 0, 0);

    /** Validates the factor and the intervals. */
    public LearningRateSchedule {
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("learning-rate decay factor must be in (0, 1], got " + factor);
        }
        if (every < 0) {
            throw new IllegalArgumentException("learning-rate decay interval must be >= 0 sequences, got " + every);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("learning-rate warm-up must be >= 0 sequences, got " + warmup);
        }
    }

    /** A step decay without warm-up. */
    public LearningRateSchedule(double factor, long every) {
        this(factor, every, 0);
    }

    /** This schedule with a linear warm-up over {@code sequences} (0: none). */
    public LearningRateSchedule withWarmup(long sequences) {
        return new LearningRateSchedule(factor, every, sequences);
    }

    /** Whether the step decay never changes the rate (a warm-up may still). */
    private boolean decayIsConstant() {
        return every == 0 || factor == 1.0;
    }

    /** Whether the rate ever changes. */
    public boolean isConstant() {
        return decayIsConstant() && warmup == 0;
    }

    /** The learning rate for a batch that starts after {@code sequences} training sequences. */
    public float at(float base, long sequences) {
        if (isConstant()) {
            return base;
        }
        double rate = decayIsConstant() ? base : base * Math.pow(factor, (double) (sequences / every));
        if (sequences < warmup) {
            rate *= (double) (sequences + 1) / warmup;
        }
        return (float) rate;
    }

    /**
     * Parses {@code FACTOR:EVERY} (for example {@code 0.5:200000}) or {@code none}.
     *
     * @throws IllegalArgumentException naming the expected form
     */
    public static LearningRateSchedule parse(String spec) {
        String s = spec.trim();
        int comma = s.lastIndexOf(',');
        if (comma >= 0 || s.startsWith("warmup:")) {
            String w = s.substring(comma + 1).trim();
            String decay = comma >= 0 ? s.substring(0, comma) : "none";
            long n;
            try {
                n = w.startsWith("warmup:") ? Long.parseLong(w.substring(7).replace("_", "")) : -1;
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || decay.contains(",")) {
                throw new IllegalArgumentException("learning-rate schedule must be FACTOR:EVERY or none, optionally "
                        + "followed by ,warmup:SEQUENCES (e.g. 0.5:150000,warmup:20000), got '" + spec + "'");
            }
            return parse(decay).withWarmup(n);
        }
        if (s.equalsIgnoreCase("none")) {
            return NONE;
        }
        String[] p = s.split(":", -1);
        if (p.length != 2) {
            throw new IllegalArgumentException("learning-rate decay must be FACTOR:EVERY such as 0.5:200000 "
                    + "(multiply the rate by FACTOR every EVERY sequences) or none, got '" + spec + "'");
        }
        try {
            return new LearningRateSchedule(Double.parseDouble(p[0]), Long.parseLong(p[1].replace("_", "")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("learning-rate decay must be FACTOR:EVERY such as 0.5:200000 "
                    + "(a number and a whole count of sequences), got '" + spec + "'");
        }
    }

    /**
     * {@code FACTOR:EVERY}, or {@code none}, followed with a warm-up by {@code ,warmup:SEQUENCES}
     * ({@code warmup:SEQUENCES} alone when there is no decay); {@link #parse} reads it back.
     */
    @Override
    public String toString() {
        String decay = decayIsConstant() ? "none" : String.format(Locale.ROOT, "%s:%d", Double.toString(factor), every);
        if (warmup == 0) {
            return decay;
        }
        return (decayIsConstant() ? "" : decay + ",") + "warmup:" + warmup;
    }
}
