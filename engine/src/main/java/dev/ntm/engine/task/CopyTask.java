package dev.ntm.engine.task;

import dev.ntm.engine.util.SplitMix64;

/**
 * The copy task (docs/SPEC.md section 5): L random B-bit vectors, a delimiter, then the same L vectors
 * as targets.
 *
 * <p>Layout, 1-based steps, X = B + 1 (channel B: delimiter), Y = B, T = 2L + 1:
 * steps 1..L input the vectors; step L+1 has only the delimiter channel set; steps L+2..2L+1 have
 * zero input, targets equal to the L vectors in order, and mask 1. All other targets and masks are 0.
 * L is uniform in minLength..maxLength (default 1..20), B defaults to 8.
 */
public final class CopyTask implements VariableLengthTask {

    /** Registry name. */
    public static final String NAME = "copy";
    /** Default bits per vector B. */
    public static final int DEFAULT_BITS = 8;
    /** Default smallest length. */
    public static final int DEFAULT_MIN_LENGTH = 1;
    /** Default largest length. */
    public static final int DEFAULT_MAX_LENGTH = 20;

    private final int bits;
    private final int minLength;
    private final int maxLength;
    private final int maxSteps;

    /** The spec's copy task: B = 8, L in 1..20. */
    public CopyTask() {
        this(DEFAULT_BITS, DEFAULT_MIN_LENGTH, DEFAULT_MAX_LENGTH);
    }

    /** B = 8 and L uniform in {@code minLength..maxLength}. */
    public CopyTask(int minLength, int maxLength) {
        this(DEFAULT_BITS, minLength, maxLength);
    }

    /**
     * A copy task with B = {@code bits} and L uniform in {@code minLength..maxLength}.
     *
     * @throws IllegalArgumentException if bits is not in 1..4096, minLength &lt; 1, minLength &gt; maxLength,
     *         or the longest sequence is too large
     */
    public CopyTask(int bits, int minLength, int maxLength) {
        TaskChecks.range(NAME, "bits", bits, 1, TaskChecks.MAX_BITS);
        TaskChecks.range(NAME, "minLength", minLength, 1, Integer.MAX_VALUE);
        TaskChecks.ordered(NAME, "minLength", minLength, "maxLength", maxLength);
        this.bits = bits;
        this.minLength = minLength;
        this.maxLength = maxLength;
        this.maxSteps = TaskChecks.sequenceSize(NAME, 2L * maxLength + 1, bits + 1, bits);
    }

    /** Bits per vector B. */
    public int bits() {
        return bits;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int inputSize() {
        return bits + 1;
    }

    @Override
    public int outputSize() {
        return bits;
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

    @Override
    public CopyTask withMaxLength(int maxLength) {
        return new CopyTask(bits, minLength, maxLength);
    }

    @Override
    public CopyTask atLength(int length) {
        return new CopyTask(bits, length, length);
    }

    @Override
    public int maxSteps() {
        return maxSteps;
    }

    @Override
    public Sequence generate(SplitMix64 rng) {
        int length = rng.nextInt(minLength, maxLength);
        int x = bits + 1;
        int y = bits;
        int steps = 2 * length + 1;
        float[] inputs = new float[steps * x];
        float[] targets = new float[steps * y];
        float[] mask = new float[steps];
        for (int t = 0; t < length; t++) {
            TaskChecks.randomBits(rng, inputs, t * x, bits);
            System.arraycopy(inputs, t * x, targets, (length + 1 + t) * y, bits);
            mask[length + 1 + t] = 1f;
        }
        inputs[length * x + bits] = 1f;
        return new Sequence(steps, x, y, inputs, targets, mask);
    }

    @Override
    public String describe() {
        return NAME + ": " + bits + "-bit vectors, length " + minLength + ".." + maxLength
                + "; X=" + inputSize() + " (bits, delimiter), Y=" + bits
                + "; T=2L+1 (vectors, delimiter, L output steps), at most " + maxSteps + " steps";
    }

    @Override
    public String toString() {
        return describe();
    }
}
