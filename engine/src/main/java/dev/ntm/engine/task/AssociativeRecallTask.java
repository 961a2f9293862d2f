package dev.ntm.engine.task;

import dev.ntm.engine.util.SplitMix64;

/**
 * The associative-recall task (docs/SPEC.md section 5): n items of I random B-bit vectors each, then a
 * query item; the target is the item that followed the query in the list.
 *
 * <p>Layout, 1-based steps, X = B + 2 (channel B: item delimiter, channel B+1: query delimiter),
 * Y = B, T = n(I + 1) + 2I + 2:
 * <ul>
 *   <li>for each item i = 1..n: one step with only the item delimiter, then its I vectors;</li>
 *   <li>one step with only the query delimiter, then the I vectors of an item q chosen uniformly
 *       from items 1..n-1, then another query-delimiter step;</li>
 *   <li>I output steps: zero input, targets item q+1's vectors, mask 1.</li>
 * </ul>
 * n is uniform in minItems..maxItems (default 2..6), I defaults to 3 and B to 6. Items are drawn
 * independently, as the spec says, so two items may repeat (with the default sizes, 18 random bits
 * per item, a repeat in a sequence has probability below 1e-4).
 */
public final class AssociativeRecallTask implements VariableLengthTask {

    /** Registry name. */
    public static final String NAME = "associative-recall";
    /** Default bits per vector B. */
    public static final int DEFAULT_BITS = 6;
    /** Default vectors per item I. */
    public static final int DEFAULT_ITEM_LENGTH = 3;
    /** Default smallest number of items. */
    public static final int DEFAULT_MIN_ITEMS = 2;
    /** Default largest number of items. */
    public static final int DEFAULT_MAX_ITEMS = 6;

    private final int bits;
    private final int itemLength;
    private final int minItems;
    private final int maxItems;
    private final int maxSteps;

    /** The spec's task: B = 6, I = 3, n in 2..6. */
    public AssociativeRecallTask() {
        this(DEFAULT_BITS, DEFAULT_ITEM_LENGTH, DEFAULT_MIN_ITEMS, DEFAULT_MAX_ITEMS);
    }

    /** B = 6, I = 3, n uniform in {@code minItems..maxItems}. */
    public AssociativeRecallTask(int minItems, int maxItems) {
        this(DEFAULT_BITS, DEFAULT_ITEM_LENGTH, minItems, maxItems);
    }

    /**
     * An associative-recall task with every option.
     *
     * @param bits       B, 1..4096
     * @param itemLength I, vectors per item, >= 1
     * @param minItems   smallest n, >= 2 (the query is one of the first n-1 items)
     * @param maxItems   largest n, >= minItems
     * @throws IllegalArgumentException naming the first bad option
     */
    public AssociativeRecallTask(int bits, int itemLength, int minItems, int maxItems) {
        TaskChecks.range(NAME, "bits", bits, 1, TaskChecks.MAX_BITS);
        TaskChecks.range(NAME, "itemLength", itemLength, 1, Integer.MAX_VALUE);
        TaskChecks.range(NAME, "minItems (the query is one of the first n-1 items)", minItems, 2,
                Integer.MAX_VALUE);
        TaskChecks.ordered(NAME, "minItems", minItems, "maxItems", maxItems);
        this.bits = bits;
        this.itemLength = itemLength;
        this.minItems = minItems;
        this.maxItems = maxItems;
        this.maxSteps = TaskChecks.sequenceSize(NAME, (long) maxItems * (itemLength + 1) + 2L * itemLength + 2,
                bits + 2, bits);
    }

    /** Bits per vector B. */
    public int bits() {
        return bits;
    }

    /** Vectors per item I. */
    public int itemLength() {
        return itemLength;
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
    public String lengthName() {
        return "items";
    }

    @Override
    public int minLength() {
        return minItems;
    }

    @Override
    public int maxLength() {
        return maxItems;
    }

    @Override
    public AssociativeRecallTask withMaxLength(int maxItems) {
        return new AssociativeRecallTask(bits, itemLength, minItems, maxItems);
    }

    @Override
    public AssociativeRecallTask atLength(int items) {
        return new AssociativeRecallTask(bits, itemLength, items, items);
    }

    @Override
    public int maxSteps() {
        return maxSteps;
    }

    @Override
    public Sequence generate(SplitMix64 rng) {
        int items = rng.nextInt(minItems, maxItems);
        int x = bits + 2;
        int y = bits;
        int block = itemLength + 1;
        int steps = items * block + 2 * itemLength + 2;
        float[] inputs = new float[steps * x];
        float[] targets = new float[steps * y];
        float[] mask = new float[steps];
        for (int i = 0; i < items; i++) {
            inputs[i * block * x + bits] = 1f;
            for (int v = 0; v < itemLength; v++) {
                TaskChecks.randomBits(rng, inputs, (i * block + 1 + v) * x, bits);
            }
        }
        int query = rng.nextInt(items - 1);
        int queryStart = items * block;
        inputs[queryStart * x + bits + 1] = 1f;
        inputs[(queryStart + 1 + itemLength) * x + bits + 1] = 1f;
        int outputStart = queryStart + itemLength + 2;
        for (int v = 0; v < itemLength; v++) {
            System.arraycopy(inputs, (query * block + 1 + v) * x, inputs, (queryStart + 1 + v) * x, bits);
            System.arraycopy(inputs, ((query + 1) * block + 1 + v) * x, targets, (outputStart + v) * y, bits);
            mask[outputStart + v] = 1f;
        }
        return new Sequence(steps, x, y, inputs, targets, mask);
    }

    @Override
    public String describe() {
        return NAME + ": items of " + itemLength + " " + bits + "-bit vectors, " + minItems + ".." + maxItems
                + " items; X=" + inputSize() + " (bits, item delimiter, query delimiter), Y=" + bits
                + "; T=n(I+1)+2I+2 (items, query, " + itemLength + " output steps), at most " + maxSteps
                + " steps";
    }

    @Override
    public String toString() {
        return describe();
    }
}
