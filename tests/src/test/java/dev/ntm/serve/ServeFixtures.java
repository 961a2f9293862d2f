package dev.ntm.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.engine.util.SplitMix64;
import org.agrona.concurrent.status.CountersReader;

/** Shared pieces of the serve tests: a model, reproducible input streams and their references. */
final class ServeFixtures {

    /** Every stream resets its session before the steps that are multiples of this (but the first). */
    static final int RESET_EVERY = 23;

    private ServeFixtures() {
    }

    /** The copy configuration with seeded random weights. */
    static NtmModel model() {
        return NtmModel.create(NtmConfig.copyTask(), 11);
    }

    /** Input of stream {@code stream} at step {@code t}: uniform in [0, 1), reproducible. */
    static void input(long stream, int t, float[] in) {
        SplitMix64 rng = new SplitMix64(stream * 1_000_003L + t);
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) rng.nextDouble();
        }
    }

    /** Whether the stream resets its session before step {@code t}. */
    static boolean resetsBefore(int t) {
        return t > 0 && t % RESET_EVERY == 0;
    }

    /** The outputs of stream {@code stream} stepped {@code steps} times alone on a fresh session, [t * Y + j]. */
    static float[] alone(NtmModel model, long stream, int steps) {
        NtmSession s = model.newSession();
        int y = model.config().outputSize();
        float[] in = new float[model.config().inputSize()];
        float[] out = new float[y];
        float[] all = new float[steps * y];
        for (int t = 0; t < steps; t++) {
            if (resetsBefore(t)) {
                s.reset();
            }
            input(stream, t, in);
            s.step(in, out);
            System.arraycopy(out, 0, all, t * y, y);
        }
        return all;
    }

    /** Fails naming the first step and output whose bits differ. */
    static void assertBitIdentical(float[] expected, float[] actual, int y, String what) {
        assertEquals(expected.length, actual.length, what + ": stream lengths");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": step " + i / y + " output " + i % y + " is " + actual[i] + ", alone it is " + expected[i]);
            }
        }
    }

    /** The value of the counter whose label is {@code label}; fails when there is none. */
    static long counter(CountersReader r, String label) {
        long[] v = {Long.MIN_VALUE};
        r.forEach((id, type, key, l) -> {
            if (l.equals(label)) {
                v[0] = r.getCounterValue(id);
            }
        });
        if (v[0] == Long.MIN_VALUE) {
            fail("no counter labelled '" + label + "'");
        }
        return v[0];
    }
}
