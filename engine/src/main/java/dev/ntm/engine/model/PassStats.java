package dev.ntm.engine.model;

/**
 * Totals of one or more forward passes: summed loss in nats, summed bit errors and the number of
 * sequences. Mutable and reused, so that a training loop allocates nothing per batch.
 */
public final class PassStats {

    /** Sum over sequences of the loss L (nats, docs/SPEC.md section 3). */
    public double lossNats;
    /** Sum over sequences of the masked output bits whose prediction is wrong. */
    public long bitErrors;
    /** Number of sequences counted. */
    public int sequences;

    /** Clears the totals. */
    public void reset() {
        lossNats = 0;
        bitErrors = 0;
        sequences = 0;
    }

    /** Adds another set of totals into this one. */
    public void add(PassStats other) {
        lossNats += other.lossNats;
        bitErrors += other.bitErrors;
        sequences += other.sequences;
    }

    /** Mean loss per sequence in bits ({@code L / ln 2}), or NaN when no sequence was counted. */
    public double bitsPerSequence() {
        return sequences == 0 ? Double.NaN : lossNats / sequences / Math.log(2);
    }

    /** Mean bit errors per sequence, or NaN when no sequence was counted. */
    public double bitErrorsPerSequence() {
        return sequences == 0 ? Double.NaN : (double) bitErrors / sequences;
    }

    @Override
    public String toString() {
        return "PassStats[sequences=" + sequences + ", lossNats=" + lossNats + ", bitErrors=" + bitErrors + "]";
    }
}
