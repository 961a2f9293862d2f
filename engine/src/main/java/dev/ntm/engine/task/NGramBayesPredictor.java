package dev.ntm.engine.task;

import dev.ntm.engine.util.SplitMix64;

/**
 * The optimal Bayesian predictor of the dynamic N-grams task (docs/SPEC.md section 5): the reference
 * cost that a model's cost on that task is reported beside.
 *
 * <p>With p[ctx] ~ Beta(1/2, 1/2) independently per context, the posterior predictive of the next
 * bit after context ctx is {@code (N1 + 1/2) / (N1 + N0 + 1)}, where N1 and N0 count the ones and
 * zeros that followed ctx earlier in the same sequence. It reads only the inputs seen so far: the
 * prediction at step t uses bits 1..t. Steps without a whole context yet (t &lt; c) get 1/2.
 *
 * <p>Immutable and thread-safe; each call counts in its own small arrays (2^c ints each).
 */
public final class NGramBayesPredictor {

    private final int contextBits;

    /** A predictor for the default 6-gram task (c = 5). */
    public NGramBayesPredictor() {
        this(DynamicNGramsTask.DEFAULT_CONTEXT_BITS);
    }

    /** A predictor for {@code task}'s context length. */
    public NGramBayesPredictor(DynamicNGramsTask task) {
        this(task.contextBits());
    }

    /**
     * A predictor over contexts of {@code contextBits} bits.
     *
     * @throws IllegalArgumentException if contextBits is not in 1..16
     */
    public NGramBayesPredictor(int contextBits) {
        TaskChecks.range("n-gram predictor", "contextBits", contextBits, 1, DynamicNGramsTask.MAX_CONTEXT_BITS);
        this.contextBits = contextBits;
    }

    /** Context bits c. */
    public int contextBits() {
        return contextBits;
    }

    /**
     * Writes into {@code out[t]} the predicted probability that the target of step t is 1.
     *
     * @param sequence a dynamic N-grams sequence: X = Y = 1, inputs 0 or 1
     * @param out      at least {@code sequence.steps()} doubles
     * @throws IllegalArgumentException if the sequence is not a bit stream or out is too short
     */
    public void predict(Sequence sequence, double[] out) {
        checkSequence(sequence);
        if (out.length < sequence.steps()) {
            throw new IllegalArgumentException("n-gram predictor: output array needs " + sequence.steps()
                    + " entries, got " + out.length);
        }
        int contexts = 1 << contextBits;
        int[] ones = new int[contexts];
        int[] total = new int[contexts];
        float[] bits = sequence.inputs();
        int contextMask = contexts - 1;
        int context = 0;
        for (int t = 0; t < sequence.steps(); t++) {
            int bit = bits[t] != 0f ? 1 : 0;
            if (t >= contextBits) {
                // the context before bit t was followed by bit t: count it now that it is an input
                ones[context] += bit;
                total[context]++;
            }
            context = ((context << 1) | bit) & contextMask;
            out[t] = t + 1 >= contextBits ? (ones[context] + 0.5) / (total[context] + 1.0) : 0.5;
        }
    }

    /** The predicted probabilities, one per step (see {@link #predict(Sequence, double[])}). */
    public double[] predict(Sequence sequence) {
        double[] out = new double[sequence.steps()];
        predict(sequence, out);
        return out;
    }

    /**
     * The predictor's cost on one sequence in bits, as the model's cost is computed (docs/SPEC.md
     * section 3): the binary cross-entropy in nats of the predictions against the targets, summed over
     * the masked steps, divided by ln 2.
     */
    public double costBits(Sequence sequence) {
        double[] p = predict(sequence);
        float[] targets = sequence.targets();
        float[] mask = sequence.mask();
        double nats = 0.0;
        for (int t = 0; t < p.length; t++) {
            if (mask[t] != 0f) {
                nats -= targets[t] != 0f ? Math.log(p[t]) : Math.log1p(-p[t]);
            }
        }
        return nats / Math.log(2.0);
    }

    /**
     * The mean cost in bits per sequence over {@code sequences} fresh sequences of {@code task}
     * drawn from {@code rng}: the reference figure to report beside a model's cost.
     *
     * @throws IllegalArgumentException if sequences &lt; 1 or the task's context length differs
     */
    public double meanCostBits(DynamicNGramsTask task, SplitMix64 rng, int sequences) {
        if (task.contextBits() != contextBits) {
            throw new IllegalArgumentException("n-gram predictor: built for contexts of " + contextBits
                    + " bits, the task has " + task.contextBits());
        }
        TaskChecks.range("n-gram predictor", "sequences", sequences, 1, Integer.MAX_VALUE);
        double sum = 0.0;
        for (int i = 0; i < sequences; i++) {
            sum += costBits(task.generate(rng));
        }
        return sum / sequences;
    }

    private static void checkSequence(Sequence s) {
        if (s.inputSize() != 1 || s.outputSize() != 1) {
            throw new IllegalArgumentException("n-gram predictor: expects X = Y = 1 (a bit stream), got X = "
                    + s.inputSize() + ", Y = " + s.outputSize());
        }
        float[] in = s.inputs();
        for (int t = 0; t < in.length; t++) {
            if (in[t] != 0f && in[t] != 1f) {
                throw new IllegalArgumentException("n-gram predictor: inputs must be bits (0 or 1), step "
                        + (t + 1) + " has " + in[t]);
            }
        }
    }
}
