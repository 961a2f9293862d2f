package dev.ntm.engine.train;

import java.util.Locale;

/**
 * A step decay of the learning rate: after every {@code every} training sequences the rate is
 * multiplied by {@code factor}, so the rate for a batch that starts after {@code s} sequences is
 * {@code base * factor^floor(s / every)}. It depends only on the sequence count, so a resumed run
 * and a run on any number of threads get the same rates. {@link #NONE} keeps the rate constant.
 *
 * @param factor multiplier applied at each step, in (0, 1]
 * @param every  sequences between steps; 0 for no decay
 */
public record LearningRateSchedule(double factor, long every) {

    /** A constant learning rate. */
    public static final LearningRateSchedule NONE = new LearningRateSchedule(1.0, 0);

    /** Validates the factor and the interval. */
    public LearningRateSchedule {
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("learning-rate decay factor must be in (0, 1], got " + factor);
        }
        if (every < 0) {
            throw new IllegalArgumentException("learning-rate decay interval must be >= 0 sequences, got " + every);
        }
    }

    /** Whether the rate ever changes. */
    public boolean isConstant() {
        return every == 0 || factor == 1.0;
    }

    /** The learning rate for a batch that starts after {@code sequences} training sequences. */
    public float at(float base, long sequences) {
        if (isConstant()) {
            return base;
        }
        return (float) (base * Math.pow(factor, (double) (sequences / every)));
    }

    /**
     * Parses {@code FACTOR:EVERY} (for example {@code 0.5:200000}) or {@code none}.
     *
     * @throws IllegalArgumentException naming the expected form
     */
    public static LearningRateSchedule parse(String spec) {
        String s = spec.trim();
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

    /** {@code FACTOR:EVERY}, or {@code none}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return isConstant() ? "none" : String.format(Locale.ROOT, "%s:%d", Double.toString(factor), every);
    }
}
