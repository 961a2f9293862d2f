package dev.ntm.engine.api;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;
import dev.ntm.kernels.SimdKernels;

/**
 * {@link NtmGroupStepper} is batch-invariant: every session stepped in a group gets, bit for bit,
 * the outputs (probabilities and logits) of a twin session fed the same inputs with
 * {@link NtmSession#step} alone. Groups of 1, 3, 8 and 64 sessions (full and partial product
 * tiles) in a shuffled order, and groups whose size and members change every step, with resets and
 * steps taken alone in between; float32 and compact weights; SIMD and scalar kernels; the copy
 * configuration and a two-layer feedforward one with two read heads and odd sizes. A rejected
 * call leaves every session as it was.
 */
class GroupStepperTest {

    private static final int STEPS = 40;

    static List<NtmConfig> configs() {
        return MultiSessionBatchInvarianceTest.configs();
    }

    static Stream<Arguments> fixedGroups() {
        List<Arguments> out = new ArrayList<>();
        for (NtmConfig config : configs()) {
            for (boolean compact : new boolean[] {false, true}) {
                for (int group : new int[] {1, 3, 8, 64}) {
                    out.add(Arguments.of((compact ? "compact" : "float32") + " B=" + group + " " + config, config,
                            SimdKernels.preferred(), compact, group));
                }
            }
            out.add(Arguments.of("scalar B=8 " + config, config, KernelProvider.scalar(), false, 8));
        }
        return out.stream();
    }

    static Stream<Arguments> models() {
        List<Arguments> out = new ArrayList<>();
        for (NtmConfig config : configs()) {
            for (boolean compact : new boolean[] {false, true}) {
                out.add(Arguments.of((compact ? "compact " : "float32 ") + config, config, compact));
            }
        }
        return out.stream();
    }

    private static NtmModel model(NtmConfig config, Kernels kernels, boolean compact) {
        NtmModel m = NtmModel.create(config, 47).withKernels(kernels);
        return compact ? m.withCompactWeights() : m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedGroups")
    void aFixedGroupMatchesEachSessionAlone(String label, NtmConfig config, Kernels kernels, boolean compact,
                                           int size) {
        NtmModel model = model(config, kernels, compact);
        Twins twins = new Twins(model, size, size, 500 + size);
        int[] members = new int[size];
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < size; i++) {
                members[i] = i;
            }
            twins.shuffle(members, size);
            twins.step(members, size, t % 3 == 2, t);
            if (t == 17) {
                twins.reset(size / 2);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void groupsThatChangeEveryStepMatchEachSessionAlone(String label, NtmConfig config, boolean compact) {
        NtmModel model = model(config, SimdKernels.preferred(), compact);
        int count = 70;
        Twins twins = new Twins(model, count, 64, 7);
        SplitMix64 rng = new SplitMix64(8);
        int[] order = new int[count];
        boolean sawOne = false;
        boolean sawFull = false;
        for (int t = 0; t < 3 * STEPS; t++) {
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            twins.shuffle(order, count);
            int size = t == 0 ? 64 : t == 1 ? 1 : 1 + rng.nextInt(64);
            sawOne |= size == 1;
            sawFull |= size == 64;
            twins.step(order, size, rng.nextInt(3) == 0, t);
            // a session stepped alone between group steps carries on from the same state
            twins.stepAlone(order[size % count], t);
            if (rng.nextInt(5) == 0) {
                twins.reset(order[count - 1]);
            }
        }
        assertTrue(sawOne && sawFull);
    }

    @Test
    void aRejectedGroupStepChangesNoSession() {
        NtmModel model = NtmModel.create(NtmConfig.copyTask(), 5);
        Twins twins = new Twins(model, 4, 4, 9);
        int[] all = {0, 1, 2, 3};
        twins.step(all, 4, false, 0);
        NtmGroupStepper group = twins.group;
        float[][] in = new float[4][9];
        float[][] out = new float[4][8];
        NtmSession[] s = twins.grouped.clone();
        in[2][3] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> group.step(s, 4, in, out));
        in[2][3] = 0;
        NtmSession[] twice = {s[0], s[1], s[0]};
        assertThrows(IllegalArgumentException.class, () -> group.step(twice, 3, in, out));
        NtmSession[] batched = {s[0], model.newSession(2)};
        assertThrows(IllegalArgumentException.class, () -> group.step(batched, 2, in, out));
        NtmSession[] foreign = {s[0], NtmModel.create(NtmConfig.copyTask(), 5).newSession()};
        assertThrows(IllegalArgumentException.class, () -> group.step(foreign, 2, in, out));
        NtmSession[] compact = {s[0], model.withCompactWeights().newSession()};
        assertThrows(IllegalArgumentException.class, () -> group.step(compact, 2, in, out));
        assertThrows(IllegalArgumentException.class, () -> group.step(s, 5, new float[5][9], new float[5][8]));
        assertThrows(IllegalArgumentException.class, () -> group.step(s, 0, in, out));
        float[][] shortOut = {out[0], out[1], new float[7], out[3]};
        assertThrows(IllegalArgumentException.class, () -> group.step(s, 4, in, shortOut));
        for (int t = 1; t < 10; t++) {
            twins.step(all, 4, false, t);
        }
    }

    /**
     * Sessions stepped through a group and their twins stepped alone on the same inputs; every
     * group step compares each member's outputs with its twin's, bit for bit.
     */
    private static final class Twins {
        final NtmModel model;
        final NtmGroupStepper group;
        final NtmSession[] grouped;
        final NtmSession[] alone;
        final SplitMix64 rng;
        final NtmSession[] members;
        final float[][] in;
        final float[][] out;
        final float[] outAlone;

        Twins(NtmModel model, int count, int maxBatch, long seed) {
            this.model = model;
            this.group = model.newGroupStepper(maxBatch);
            this.grouped = new NtmSession[count];
            this.alone = new NtmSession[count];
            for (int i = 0; i < count; i++) {
                grouped[i] = model.newSession();
                alone[i] = model.newSession();
            }
            this.rng = new SplitMix64(seed);
            this.members = new NtmSession[maxBatch];
            this.in = new float[maxBatch][model.config().inputSize()];
            this.out = new float[maxBatch][model.config().outputSize()];
            this.outAlone = new float[model.config().outputSize()];
        }

        void shuffle(int[] a, int n) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int tmp = a[i];
                a[i] = a[j];
                a[j] = tmp;
            }
        }

        void step(int[] who, int size, boolean logits, int t) {
            for (int i = 0; i < size; i++) {
                members[i] = grouped[who[i]];
                for (int j = 0; j < in[i].length; j++) {
                    in[i][j] = (float) rng.uniform(-1, 1);
                }
            }
            if (logits) {
                group.stepLogits(members, size, in, out);
            } else {
                group.step(members, size, in, out);
            }
            for (int i = 0; i < size; i++) {
                NtmSession twin = alone[who[i]];
                if (logits) {
                    twin.stepLogits(in[i], outAlone);
                } else {
                    twin.step(in[i], outAlone);
                }
                for (int j = 0; j < outAlone.length; j++) {
                    if (Float.floatToRawIntBits(out[i][j]) != Float.floatToRawIntBits(outAlone[j])) {
                        fail((logits ? "logit " : "probability ") + j + " of session " + who[i] + " at step " + t
                                + " in a group of " + size + ": " + out[i][j] + ", alone " + outAlone[j]);
                    }
                }
            }
        }

        void stepAlone(int who, int t) {
            float[] x = new float[model.config().inputSize()];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rng.uniform(-1, 1);
            }
            float[] a = new float[outAlone.length];
            float[] b = new float[outAlone.length];
            grouped[who].step(x, a);
            alone[who].step(x, b);
            for (int j = 0; j < a.length; j++) {
                if (Float.floatToRawIntBits(a[j]) != Float.floatToRawIntBits(b[j])) {
                    fail("output " + j + " of session " + who + " stepped alone after group steps, step " + t);
                }
            }
        }

        void reset(int who) {
            grouped[who].reset();
            alone[who].reset();
        }
    }
}
