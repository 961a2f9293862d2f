package dev.ntm.engine.task;

import dev.ntm.engine.util.SplitMix64;

/**
 * The repeat-copy task (docs/SPEC.md section 5): L random B-bit vectors, a delimiter carrying the
 * normalised repeat count K, then the vectors repeated K times and an end marker.
 *
 * <p>Layout, 1-based steps, X = B + 2 (channel B: delimiter, channel B+1: repeat count),
 * Y = B + 1 (channel B: end marker), T = L + 1 + L*K + 1:
 * <ul>
 *   <li>steps 1..L: the vectors;</li>
 *   <li>step L+1: delimiter = 1 and count = (K - mean) / std, the mean and standard deviation of
 *       K uniform in 1..Kn: mean (1 + Kn) / 2, variance (Kn^2 - 1) / 12 (Kn = 10 by default:
 *       mean 5.5, variance 99/12);</li>
 *   <li>steps L+2..L+1+L*K: zero input, targets the L vectors repeated K times, end marker 0;</li>
 *   <li>step L*K+L+2: zero input, target the end marker alone (channel B = 1, bits 0).</li>
 * </ul>
 * The mask is 1 on the L*K + 1 steps after the delimiter. L is uniform in minLength..maxLength
 * (default 1..10), K in minRepeats..maxRepeats (default 1..10), B defaults to 8. Kn, the count
 * normalisation range, defaults to maxRepeats; keep it at the training value when evaluating on
 * more repeats than were trained, so that a count means the same input value.
 */
public final class RepeatCopyTask implements VariableLengthTask {

    /** Registry name. */
    public static final String NAME = "repeat-copy";
    /** Default bits per vector B. */
    public static final int DEFAULT_BITS = 8;
    /** Default largest length. */
    public static final int DEFAULT_MAX_LENGTH = 10;
    /** Default largest repeat count. */
    public static final int DEFAULT_MAX_REPEATS = 10;

    private final int bits;
    private final int minLength;
    private final int maxLength;
    private final int minRepeats;
    private final int maxRepeats;
    private final int countNormMax;
    private final double countMean;
    private final double countStd;
    private final int maxSteps;

    /** The spec's repeat-copy task: B = 8, L in 1..10, K in 1..10. */
    public RepeatCopyTask() {
        this(DEFAULT_BITS, 1, DEFAULT_MAX_LENGTH, 1, DEFAULT_MAX_REPEATS, DEFAULT_MAX_REPEATS);
    }

    /**
     * B = 8, L in {@code minLength..maxLength}, K in {@code minRepeats..maxRepeats}, the count
     * normalised over 1..maxRepeats.
     */
    public RepeatCopyTask(int minLength, int maxLength, int minRepeats, int maxRepeats) {
        this(DEFAULT_BITS, minLength, maxLength, minRepeats, maxRepeats, maxRepeats);
    }

    /**
     * A repeat-copy task with every option.
     *
     * @param bits         B, 1..4096
     * @param minLength    smallest L, >= 1
     * @param maxLength    largest L, >= minLength
     * @param minRepeats   smallest K, >= 1
     * @param maxRepeats   largest K, >= minRepeats
     * @param countNormMax Kn: the count is normalised by the mean and deviation of K uniform in 1..Kn;
     *                     >= 2 (with Kn = 1 the deviation is 0)
     * @throws IllegalArgumentException naming the first bad option
     */
    public RepeatCopyTask(int bits, int minLength, int maxLength, int minRepeats, int maxRepeats,
            int countNormMax) {
        TaskChecks.range(NAME, "bits", bits, 1, TaskChecks.MAX_BITS);
        TaskChecks.range(NAME, "minLength", minLength, 1, Integer.MAX_VALUE);
        TaskChecks.ordered(NAME, "minLength", minLength, "maxLength", maxLength);
        TaskChecks.range(NAME, "minRepeats", minRepeats, 1, Integer.MAX_VALUE);
        TaskChecks.ordered(NAME, "minRepeats", minRepeats, "maxRepeats", maxRepeats);
        if (countNormMax < 2) {
            throw new IllegalArgumentException(NAME + ": the repeat count is normalised over K uniform in "
                    + "1..Kn, which needs Kn >= 2 (its deviation is 0 for Kn = 1), got Kn = " + countNormMax
                    + "; pass a count normalisation range of at least 2");
        }
        this.bits = bits;
        this.minLength = minLength;
        this.maxLength = maxLength;
        this.minRepeats = minRepeats;
        this.maxRepeats = maxRepeats;
        this.countNormMax = countNormMax;
        this.countMean = (1.0 + countNormMax) / 2.0;
        this.countStd = Math.sqrt(((double) countNormMax * countNormMax - 1.0) / 12.0);
        this.maxSteps = TaskChecks.sequenceSize(NAME, (long) maxLength * maxRepeats + maxLength + 2,
                bits + 2, bits + 1);
    }

    /** Bits per vector B. */
    public int bits() {
        return bits;
    }

    /** Smallest repeat count K. */
    public int minRepeats() {
        return minRepeats;
    }

    /** Largest repeat count K. */
    public int maxRepeats() {
        return maxRepeats;
    }

    /** Kn: the count channel is normalised as if K were uniform in 1..Kn. */
    public int countNormMax() {
        return countNormMax;
    }

    /** The count channel's value for {@code repeats} repeats: (K - mean) / std over 1..Kn. */
    public float normalisedCount(int repeats) {
        return (float) ((repeats - countMean) / countStd);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int inputSize() {
        return bits + 2;
    }

    @Override
    public int outputSize() {
        return bits + 1;
    }

    @Override
    public String lengthName() {
        return "length";
    }

    @Override
    public int minLength() {
        return minLength;
    }

    @Override
    public int maxLength() {
        return maxLength;
    }

    /** The same task with a new largest length; the repeats and their normalisation are kept. */
    @Override
    public RepeatCopyTask withMaxLength(int maxLength) {
        return new RepeatCopyTask(bits, minLength, maxLength, minRepeats, maxRepeats, countNormMax);
    }

    @Override
    public RepeatCopyTask atLength(int length) {
        return new RepeatCopyTask(bits, length, length, minRepeats, maxRepeats, countNormMax);
    }

    @Override
    public int maxSteps() {
        return maxSteps;
    }

    @Override
    public Sequence generate(SplitMix64 rng) {
        int length = rng.nextInt(minLength, maxLength);
        int repeats = rng.nextInt(minRepeats, maxRepeats);
        int x = bits + 2;
        int y = bits + 1;
        int steps = length + 1 + length * repeats + 1;
        float[] inputs = new float[steps * x];
        float[] targets = new float[steps * y];
        float[] mask = new float[steps];
        for (int t = 0; t < length; t++) {
            TaskChecks.randomBits(rng, inputs, t * x, bits);
            for (int k = 0; k < repeats; k++) {
                System.arraycopy(inputs, t * x, targets, (length + 1 + k * length + t) * y, bits);
            }
        }
        inputs[length * x + bits] = 1f;
        inputs[length * x + bits + 1] = normalisedCount(repeats);
        targets[(steps - 1) * y + bits] = 1f;
        for (int t = length + 1; t < steps; t++) {
            mask[t] = 1f;
        }
        return new Sequence(steps, x, y, inputs, targets, mask);
    }

    @Override
    public String describe() {
        return NAME + ": " + bits + "-bit vectors, length " + minLength + ".." + maxLength + ", repeats "
                + minRepeats + ".." + maxRepeats + " (count normalised over 1.." + countNormMax + ")"
                + "; X=" + inputSize() + " (bits, delimiter, count), Y=" + outputSize() + " (bits, end marker)"
                + "; T=L+1+L*K+1, at most " + maxSteps + " steps";
    }

    @Override
    public String toString() {
        return describe();
    }
}
