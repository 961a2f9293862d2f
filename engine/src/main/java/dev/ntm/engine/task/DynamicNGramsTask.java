package dev.ntm.engine.task;

import dev.ntm.engine.util.SplitMix64;

/**
 * The dynamic N-grams task (docs/SPEC.md section 5): a bit stream from a random (c+1)-gram model that
 * is drawn afresh for every sequence; the model must learn the table from the sequence itself.
 *
 * <p>Per sequence, one probability p[ctx] ~ Beta(1/2, 1/2) for each of the 2^c contexts (c = 5 by
 * default: a 6-gram), then n bits (default 200): the first c are fair coin flips, each later bit is
 * 1 with probability p[the previous c bits]. The context index reads the previous c bits as a
 * binary number, the oldest bit most significant.
 *
 * <p>Layout, 1-based steps, X = Y = 1, T = n - 1: step t inputs bit t and its target is bit t+1
 * (on every step). The mask is 1 on steps c..n-1, the predictions of bits c+1..n (the first steps
 * with a whole context): steps 5..199 by default, 195 scored steps.
 * {@link NGramBayesPredictor} is the optimal predictor of this process.
 */
public final class DynamicNGramsTask implements Task {

    /** Registry name. */
    public static final String NAME = "dynamic-ngrams";
    /** Default context bits c (a 6-gram). */
    public static final int DEFAULT_CONTEXT_BITS = 5;
    /** Default bits per sequence n. */
    public static final int DEFAULT_SEQUENCE_BITS = 200;
    /** Largest context c accepted (a table of 2^16 probabilities). */
    public static final int MAX_CONTEXT_BITS = 16;

    private final int contextBits;
    private final int sequenceBits;

    /** The spec's task: a 6-gram (c = 5), 200 bits, 199 steps. */
    public DynamicNGramsTask() {
        this(DEFAULT_CONTEXT_BITS, DEFAULT_SEQUENCE_BITS);
    }

    /**
     * A dynamic (c+1)-gram task.
     *
     * @param contextBits  c, 1..16
     * @param sequenceBits n, bits per sequence, >= c + 1 so that at least one step is scored
     * @throws IllegalArgumentException naming the bad option
     */
    public DynamicNGramsTask(int contextBits, int sequenceBits) {
        TaskChecks.range(NAME, "contextBits", contextBits, 1, MAX_CONTEXT_BITS);
        TaskChecks.range(NAME, "sequenceBits (at least contextBits + 1, so that a step is scored)",
                sequenceBits, contextBits + 1, Integer.MAX_VALUE);
        TaskChecks.sequenceSize(NAME, sequenceBits - 1L, 1, 1);
        this.contextBits = contextBits;
        this.sequenceBits = sequenceBits;
    }

    /** Context bits c (the model is a (c+1)-gram). */
    public int contextBits() {
        return contextBits;
    }

    /** Number of contexts 2^c: the length of a probability table. */
    public int contexts() {
        return 1 << contextBits;
    }

    /** Bits per sequence n (one more than the steps). */
    public int sequenceBits() {
        return sequenceBits;
    }

    /**
     * One draw from Beta(1/2, 1/2), the arcsine distribution, by inverting its CDF
     * F(p) = (2/pi) asin(sqrt(p)): p = sin^2(pi U / 2) with U uniform in [0, 1).
     *
     * <p>This is the same law as X / (X + Y) with X, Y independent chi-square(1) (for a normal pair
     * (Z1, Z2) that ratio is cos^2 of a uniform angle); the inverse CDF needs one uniform and leaves
     * no spare normal in the generator, so {@link SplitMix64#state()} stays the whole state.
     */
    public static double sampleBetaHalf(SplitMix64 rng) {
        double s = Math.sin(0.5 * Math.PI * rng.nextDouble());
        return s * s;
    }

    /** A fresh table of 2^c probabilities, each ~ Beta(1/2, 1/2). */
    public double[] drawProbabilities(SplitMix64 rng) {
        double[] p = new double[contexts()];
        for (int c = 0; c < p.length; c++) {
            p[c] = sampleBetaHalf(rng);
        }
        return p;
    }

    /**
     * A sequence from a given table: c fair coin flips, then each bit 1 with probability
     * {@code probabilities[context]}.
     *
     * @param probabilities 2^c probabilities in [0, 1], indexed as the class comment says
     * @throws IllegalArgumentException if the table has the wrong length or a value outside [0, 1]
     */
    public Sequence sample(double[] probabilities, SplitMix64 rng) {
        if (probabilities.length != contexts()) {
            throw new IllegalArgumentException(NAME + ": the probability table must hold 2^" + contextBits
                    + " = " + contexts() + " values, got " + probabilities.length);
        }
        for (int c = 0; c < probabilities.length; c++) {
            if (!(probabilities[c] >= 0.0 && probabilities[c] <= 1.0)) {
                throw new IllegalArgumentException(NAME + ": probability of context " + c
                        + " must be in [0, 1], got " + probabilities[c]);
            }
        }
        int steps = sequenceBits - 1;
        float[] inputs = new float[steps];
        float[] targets = new float[steps];
        float[] mask = new float[steps];
        int contextMask = contexts() - 1;
        int context = 0;
        // bit i (0-based) is the input of step i and the target of step i - 1
        for (int i = 0; i < sequenceBits; i++) {
            boolean one = i < contextBits ? rng.nextBoolean() : rng.nextDouble() < probabilities[context];
            float bit = one ? 1f : 0f;
            if (i < steps) {
                inputs[i] = bit;
            }
            if (i > 0) {
                targets[i - 1] = bit;
            }
            context = ((context << 1) | (one ? 1 : 0)) & contextMask;
        }
        for (int t = contextBits - 1; t < steps; t++) {
            mask[t] = 1f;
        }
        return new Sequence(steps, 1, 1, inputs, targets, mask);
    }

    @Override
    public Sequence generate(SplitMix64 rng) {
        return sample(drawProbabilities(rng), rng);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int inputSize() {
        return 1;
    }

    @Override
    public int outputSize() {
        return 1;
    }

    @Override
    public int maxSteps() {
        return sequenceBits - 1;
    }

    /** Scored steps per sequence: n - c (195 by default). */
    public int scoredSteps() {
        return sequenceBits - contextBits;
    }

    @Override
    public String describe() {
        return NAME + ": " + (contextBits + 1) + "-gram, " + contexts() + " probabilities ~ Beta(1/2,1/2) per "
                + "sequence, " + sequenceBits + " bits; X=1, Y=1 (the next bit); T=" + maxSteps()
                + ", scored steps " + contextBits + ".." + maxSteps();
    }

    @Override
    public String toString() {
        return describe();
    }
}
