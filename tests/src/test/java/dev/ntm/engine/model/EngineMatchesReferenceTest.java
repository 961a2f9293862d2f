package dev.ntm.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.NtmConfig.Addressing;
import dev.ntm.engine.NtmConfig.Controller;
import dev.ntm.engine.NtmConfig.MemoryInit;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.model.reference.ReferenceNtm;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The float32 engine against the double-precision reference NTM ({@link ReferenceNtm}): loss,
 * logits, bit errors and the gradient of every parameter tensor, for every kernel implementation.
 *
 * <p>Tolerances. Loss within 1e-4 relative; logits within 1e-3 absolute. Each gradient tensor
 * within 1e-3 in {@code ||g_f - g_d|| / max(||g_d||, 1e-4 G)}, where G is the largest tensor norm
 * of the reference gradient. Float32 carries about 7 digits; measured errors of ordinary tensors
 * are 1e-7 to 1e-5, so 1e-3 leaves room for rounding but not for a wrong term. The floor
 * {@code 1e-4 G} is there for one case: at the default initialisation the memory holds 1e-6 in
 * every cell, rows stay nearly parallel, cosine similarity is scale-invariant, and the read heads'
 * gradient is the residue of a near-total cancellation, about 1e-6 of G (measured 2e-6 against
 * 11). Float32 cannot resolve such a residue to 1e-3 of itself (its error is measured near 1e-2
 * of it, i.e. 1e-8 absolute), so small tensors are held to 1e-3 of the floor, i.e. 1e-7 G,
 * absolute. The same configuration is also checked with a memory at an ordinary scale, where every
 * tensor's gradient is large and the plain relative bound applies.
 */
class EngineMatchesReferenceTest {

    private static final double LOSS_TOL = 1e-4;
    private static final double LOGIT_TOL = 1e-3;
    private static final double GRAD_TOL = 1e-3;
    private static final double FLOOR = 1e-4;

    static Stream<Arguments> smallConfigs() {
        List<Arguments> list = new ArrayList<>();
        list.add(Arguments.of("lstm default", EngineFixtures.small().build()));
        list.add(Arguments.of("lstm 2 layers R2 W2 S2", EngineFixtures.small().layers(2).readHeads(2).writeHeads(2)
                .shiftRange(2).build()));
        list.add(Arguments.of("feedforward 1 layer", EngineFixtures.small().controller(Controller.FEEDFORWARD).build()));
        list.add(Arguments.of("feedforward 2 layers R2 W1", EngineFixtures.small().controller(Controller.FEEDFORWARD)
                .layers(2).readHeads(2).build()));
        list.add(Arguments.of("memory learned W2", EngineFixtures.small().memoryInit(MemoryInit.LEARNED).writeHeads(2)
                .build()));
        list.add(Arguments.of("memory random R2", EngineFixtures.small().memoryInit(MemoryInit.RANDOM).readHeads(2)
                .build()));
        // Content-only addressing with the constant memory is degenerate: all rows equal, weightings
        // uniform, symmetry never breaks (docs/SPEC.md 2); its memory gradient is rounding noise amplified
        // by 1/|M(i)|. So content addressing is checked with the learned and random memories.
        list.add(Arguments.of("content addressing learned", EngineFixtures.small().addressing(Addressing.CONTENT)
                .memoryInit(MemoryInit.LEARNED).build()));
        list.add(Arguments.of("content addressing feedforward R2 W2 random", EngineFixtures.small()
                .addressing(Addressing.CONTENT).controller(Controller.FEEDFORWARD).readHeads(2).writeHeads(2)
                .memoryInit(MemoryInit.RANDOM).build()));
        list.add(Arguments.of("clip 1.5 active", EngineFixtures.small().clip(1.5f).memoryInit(MemoryInit.LEARNED)
                .build()));
        list.add(Arguments.of("N=32 M=16 S=2", EngineFixtures.small().memory(32, 16).shiftRange(2).build()));
        list.add(Arguments.of("N=5 S=2 shifts wrap", EngineFixtures.small().memory(5, 3).shiftRange(2)
                .memoryInit(MemoryInit.LEARNED).build()));
        return list.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallConfigs")
    void smallConfigurationsMatch(String name, NtmConfig config) {
        for (Kernels k : EngineFixtures.kernelsUnderTest()) {
            for (long seed = 1; seed <= 2; seed++) {
                SplitMix64 rng = new SplitMix64(100 + seed);
                Sequence seq = EngineFixtures.randomSequence(config, 14, rng, seed == 2);
                compare(name + " seed " + seed, config, k, ParamInit.initialize(ParamLayout.of(config), seed), seq);
            }
        }
    }

    @Test
    void paperCopyConfigurationOver50StepsMatches() {
        NtmConfig config = NtmConfig.copyTask();
        Sequence seq = EngineFixtures.randomSequence(config, 50, new SplitMix64(7), false);
        float[] params = ParamInit.initialize(ParamLayout.of(config), 7);
        for (Kernels k : EngineFixtures.kernelsUnderTest()) {
            compare("copy config 50 steps", config, k, params, seq);
        }
    }

    @Test
    void paperCopyConfigurationWithMemoryAtScaleMatches() {
        NtmConfig config = NtmConfig.copyTask();
        SplitMix64 rng = new SplitMix64(8);
        Sequence seq = EngineFixtures.randomSequence(config, 50, rng, false);
        float[] params = withMemoryAtScale(config, ParamInit.initialize(ParamLayout.of(config), 8), rng);
        for (Kernels k : EngineFixtures.kernelsUnderTest()) {
            compare("copy config 50 steps, memory at scale", config, k, params, seq);
        }
    }

    @Test
    void smallConfigurationWithMemoryAtScaleMatches() {
        NtmConfig config = EngineFixtures.small().readHeads(2).writeHeads(2).build();
        SplitMix64 rng = new SplitMix64(33);
        Sequence seq = EngineFixtures.randomSequence(config, 20, rng, false);
        float[] params = withMemoryAtScale(config, ParamInit.initialize(ParamLayout.of(config), 3), rng);
        for (Kernels k : EngineFixtures.kernelsUnderTest()) {
            compare("small config, memory at scale", config, k, params, seq);
        }
    }

    /** init.memory set to tanh(N(0, 0.5)) in mode constant: distinct rows at an ordinary scale. */
    private static float[] withMemoryAtScale(NtmConfig config, float[] params, SplitMix64 rng) {
        ParamLayout.Tensor mem = ParamLayout.of(config).tensor("init.memory");
        for (int i = 0; i < mem.size(); i++) {
            params[(int) mem.offset() + i] = (float) Math.tanh(0.5 * rng.gaussian());
        }
        return params;
    }

    /** Runs one sequence through the engine (batch 1) and the reference, and compares everything. */
    static void compare(String what, NtmConfig config, Kernels k, float[] params, Sequence seq) {
        ParamLayout layout = ParamLayout.of(config);
        ReferenceNtm.Result ref = new ReferenceNtm(config, EngineFixtures.widen(params)).run(seq);
        try (Arena arena = Arena.ofConfined(); Network net = new Network(config, k, 1, seq.steps())) {
            MemorySegment p = EngineFixtures.segment(arena, params);
            Recording rec = net.record(p, seq);
            String label = what + " [" + k.name() + "]";
            assertEquals(ref.loss(), rec.loss(), LOSS_TOL * Math.abs(ref.loss()), label + ": loss");
            assertEquals(ref.bitErrors(), rec.bitErrors(), label + ": bit errors");
            int y = config.outputSize();
            for (int t = 0; t < seq.steps(); t++) {
                for (int j = 0; j < y; j++) {
                    assertEquals(ref.logits()[t][j], rec.logits()[t * y + j], LOGIT_TOL,
                            label + ": logit " + j + " at step " + t);
                }
            }
            int m = config.memoryWidth();
            for (int t = 0; t < seq.steps(); t++) {
                for (int w = 0; w < config.writeHeads(); w++) {
                    ReferenceNtm.HeadStep head = ref.heads()[t][config.readHeads() + w];
                    for (int j = 0; j < m; j++) {
                        int at = (t * config.writeHeads() + w) * m + j;
                        assertEquals(head.add()[j], rec.addVectors()[at], WRITE_TOL,
                                label + ": add " + j + " of write head " + w + " at step " + t);
                        assertEquals(head.erase()[j], rec.eraseVectors()[at], WRITE_TOL,
                                label + ": erase " + j + " of write head " + w + " at step " + t);
                    }
                }
            }
            assertGradientsMatch(label, layout, rec.gradients(), ref.grads());
        }
    }

    /** Add and erase vectors lie in [-1, 1]: float32 agrees with double to about this much (recorded for pictures). */
    private static final double WRITE_TOL = 1e-4;

    /** Every tensor within {@link #GRAD_TOL} of the reference, with the floor of the class comment. */
    static void assertGradientsMatch(String label, ParamLayout layout, float[] grads, double[] ref) {
        double floor = FLOOR * EngineFixtures.maxTensorNorm(layout, ref);
        StringBuilder failures = new StringBuilder();
        for (ParamLayout.Tensor t : layout.tensors()) {
            double err = EngineFixtures.tensorError(t, grads, ref, floor);
            if (!(err <= GRAD_TOL)) {
                failures.append(String.format("%n  %s %s: error %.3g (reference norm %.3g, floor %.3g)", t.name(),
                        t.shapeText(), err, EngineFixtures.norm(t, ref), floor));
            }
        }
        assertTrue(failures.isEmpty(), label + ": gradient tensors differ:" + failures);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallConfigs")
    void batchOfDifferentLengthsIsTheMeanOfSingleRuns(String name, NtmConfig config) {
        ParamLayout layout = ParamLayout.of(config);
        float[] params = ParamInit.initialize(layout, 11);
        SplitMix64 rng = new SplitMix64(5);
        int[] lengths = {7, 12, 3, 12, 9};
        Sequence[] batch = new Sequence[lengths.length + 2];
        for (int i = 0; i < lengths.length; i++) {
            batch[i + 1] = EngineFixtures.randomSequence(config, lengths[i], rng, i % 2 == 0);
        }
        int n = Math.toIntExact(layout.size());
        double refLoss = 0;
        double[] refGrads = new double[n];
        for (int i = 0; i < lengths.length; i++) {
            ReferenceNtm.Result r = new ReferenceNtm(config, EngineFixtures.widen(params)).run(batch[i + 1]);
            refLoss += r.loss();
            for (int j = 0; j < n; j++) {
                refGrads[j] += r.grads()[j] / lengths.length;
            }
        }
        for (Kernels k : EngineFixtures.kernelsUnderTest()) {
            try (Arena arena = Arena.ofConfined(); Network net = new Network(config, k, 8, 12)) {
                MemorySegment p = EngineFixtures.segment(arena, params);
                MemorySegment g = Buffers.allocate(arena, n);
                PassStats stats = new PassStats();
                // the slice [1, 6) of a larger array, gradient of the batch mean
                net.forwardBackward(p, g, batch, 1, lengths.length, 1f / lengths.length, stats);
                String label = name + " [" + k.name() + "] batch";
                assertEquals(lengths.length, stats.sequences, label);
                assertEquals(refLoss, stats.lossNats, LOSS_TOL * refLoss, label + ": summed loss");
                assertGradientsMatch(label, layout, EngineFixtures.toArray(g, n), refGrads);

                // forward-only evaluation gives the same loss and bit errors
                PassStats eval = new PassStats();
                net.forward(p, batch, 1, lengths.length, eval);
                assertEquals(stats.lossNats, eval.lossNats, 1e-6 * stats.lossNats, label + ": forward loss");
                assertEquals(stats.bitErrors, eval.bitErrors, label + ": forward bit errors");
            }
        }
    }
}
