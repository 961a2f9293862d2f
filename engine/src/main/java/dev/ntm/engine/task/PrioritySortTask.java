package dev.ntm.engine.task;

import dev.ntm.engine.util.SplitMix64;

/**
 * The priority-sort task (docs/SPEC.md section 5): P random B-bit vectors, each with a priority
 * uniform in [-1, 1]; the targets are the Q highest-priority vectors in descending priority.
 *
 * <p>Layout, 1-based steps, X = B + 2 (channel B: priority, channel B+1: delimiter), Y = B,
 * T = P + 1 + Q: steps 1..P input a vector and its priority; step P+1 only the delimiter;
 * steps P+2..P+Q+1 have zero input, mask 1 and targets the vectors in descending priority.
 * Defaults: B = 8, P = 20, Q = 16. Priorities are compared as the float32 values the model sees;
 * equal priorities (rare: below 1e-5 per sequence) keep their input order.
 */
public final class PrioritySortTask implements Task {

    /** Registry name. */
    public static final String NAME = "priority-sort";
    /** Default bits per vector B. */
    public static final int DEFAULT_BITS = 8;
    /** Default number of input vectors P. */
    public static final int DEFAULT_INPUTS = 20;
    /** Default number of output vectors Q. */
    public static final int DEFAULT_OUTPUTS = 16;

    private final int bits;
    private final int inputs;
    private final int outputs;
    private final int steps;

    /** The spec's task: B = 8, 20 inputs, 16 outputs. */
    public PrioritySortTask() {
        this(DEFAULT_BITS, DEFAULT_INPUTS, DEFAULT_OUTPUTS);
    }

    /** B = 8, {@code inputs} vectors in, the {@code outputs} highest out. */
    public PrioritySortTask(int inputs, int outputs) {
        this(DEFAULT_BITS, inputs, outputs);
    }

    /**
     * A priority-sort task with every option.
     *
     * @param bits    B, 1..4096
     * @param inputs  P, vectors in, >= 1
     * @param outputs Q, vectors out, 1..P
     * @throws IllegalArgumentException naming the first bad option
     */
    public PrioritySortTask(int bits, int inputs, int outputs) {
        TaskChecks.range(NAME, "bits", bits, 1, TaskChecks.MAX_BITS);
        TaskChecks.range(NAME, "inputs", inputs, 1, Integer.MAX_VALUE);
        TaskChecks.range(NAME, "outputs (at most the number of inputs)", outputs, 1, inputs);
        this.bits = bits;
        this.inputs = inputs;
        this.outputs = outputs;
        this.steps = TaskChecks.sequenceSize(NAME, (long) inputs + 1 + outputs, bits + 2, bits);
    }

    /** Bits per vector B. */
    public int bits() {
        return bits;
    }

    /** Number of input vectors P. */
    public int inputCount() {
        return inputs;
    }

    /** Number of output vectors Q. */
    public int outputCount() {
        return outputs;
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
        return bits;
    }

    @Override
    public int maxSteps() {
        return steps;
    }

    @Override
    public Sequence generate(SplitMix64 rng) {
        int x = bits + 2;
        int y = bits;
        float[] in = new float[steps * x];
        float[] targets = new float[steps * y];
        float[] mask = new float[steps];
        float[] priority = new float[inputs];
        int[] order = new int[inputs];
        for (int i = 0; i < inputs; i++) {
            TaskChecks.randomBits(rng, in, i * x, bits);
            priority[i] = (float) rng.uniform(-1.0, 1.0);
            in[i * x + bits] = priority[i];
            order[i] = i;
        }
        in[inputs * x + bits + 1] = 1f;
        sortByDescendingPriority(order, priority);
        for (int k = 0; k < outputs; k++) {
            System.arraycopy(in, order[k] * x, targets, (inputs + 1 + k) * y, bits);
            mask[inputs + 1 + k] = 1f;
        }
        return new Sequence(steps, x, y, in, targets, mask);
    }

    /**
     * Insertion sort of the indices in {@code order} by descending {@code priority}: stable, so equal
     * priorities keep input order, and unboxed. At most 20 items, so the quadratic worst case is a
     * few hundred comparisons and a library sort would buy nothing.
     */
    static void sortByDescendingPriority(int[] order, float[] priority) {
        for (int i = 1; i < order.length; i++) {
            int item = order[i];
            int j = i - 1;
            while (j >= 0 && Float.compare(priority[order[j]], priority[item]) < 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = item;
        }
    }

    @Override
    public String describe() {
        return NAME + ": " + inputs + " " + bits + "-bit vectors with priorities in [-1, 1], the " + outputs
                + " highest out in descending priority; X=" + inputSize() + " (bits, priority, delimiter), Y="
                + bits + "; T=" + steps;
    }

    @Override
    public String toString() {
        return describe();
    }
}
