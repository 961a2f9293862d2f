package dev.ntm.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.KernelProvider;

/** The training entry points reject bad batches with messages that say what was expected. */
class NetworkValidationTest {

    private static void assertRejected(Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void rejectsBadBatches() {
        NtmConfig config = EngineFixtures.small().build();
        ParamLayout layout = ParamLayout.of(config);
        SplitMix64 rng = new SplitMix64(1);
        try (Arena arena = Arena.ofConfined(); Network net = new Network(config, KernelProvider.get(), 2, 10)) {
            MemorySegment p = EngineFixtures.segment(arena, ParamInit.initialize(layout, 1));
            MemorySegment g = Buffers.allocate(arena, layout.size());
            PassStats st = new PassStats();
            Sequence ok = EngineFixtures.randomSequence(config, 10, rng, false);
            Sequence tooLong = EngineFixtures.randomSequence(config, 11, rng, false);
            Sequence wrongX = new Sequence(3, 6, 4, new float[18], new float[12], new float[3]);
            Sequence[] three = {ok, ok, ok};

            assertRejected(() -> net.forwardBackward(p, g, new Sequence[] {tooLong}, 0, 1, 1f, st),
                    "sequence 0 has 11 steps; this network's maxSteps is 10");
            assertRejected(() -> net.forwardBackward(p, g, three, 0, 3, 1f, st),
                    "batch count must be in 1..2 (this network's maxBatch), got 3");
            assertRejected(() -> net.forwardBackward(p, g, three, 2, 2, 1f, st),
                    "batch range [2, 2+2) is outside the array of 3 sequences");
            assertRejected(() -> net.forwardBackward(p, g, new Sequence[] {ok, wrongX}, 0, 2, 1f, st),
                    "sequence 1 has X=6, Y=4; the model expects X=5, Y=4");
            assertRejected(() -> net.forwardBackward(p, g, new Sequence[] {null}, 0, 1, 1f, st),
                    "sequence 0 of the batch is null");
            assertRejected(() -> net.forwardBackward(p, g, new Sequence[] {ok}, 0, 1, Float.NaN, st),
                    "gradScale must be finite");
            MemorySegment small = Buffers.allocate(arena, layout.size() - 1);
            assertRejected(() -> net.forwardBackward(small, g, new Sequence[] {ok}, 0, 1, 1f, st),
                    "params segment holds " + (layout.size() - 1) + " floats");
            float[] in = ok.inputs().clone();
            in[7] = Float.NaN;
            Sequence nan = new Sequence(ok.steps(), 5, 4, in, ok.targets(), ok.mask());
            assertRejected(() -> net.forward(p, new Sequence[] {nan}, 0, 1, st), "sequence 0 inputs[7] = NaN");
            float[] mask = ok.mask().clone();
            mask[2] = 0.5f;
            Sequence badMask = new Sequence(ok.steps(), 5, 4, ok.inputs(), ok.targets(), mask);
            assertRejected(() -> net.forward(p, new Sequence[] {badMask}, 0, 1, st),
                    "sequence 0 mask[2] = 0.5; mask values must be 0 or 1");
            float[] tg = ok.targets().clone();
            tg[1] = 2f;
            Sequence badTarget = new Sequence(ok.steps(), 5, 4, ok.inputs(), tg, ok.mask());
            assertRejected(() -> net.forward(p, new Sequence[] {badTarget}, 0, 1, st),
                    "sequence 0 targets[1] = 2.0; targets must be in [0, 1]");
            assertEquals(0, st.sequences, "rejected calls count nothing");

            // forward (evaluation) accepts sequences longer than maxSteps
            net.forward(p, new Sequence[] {tooLong}, 0, 1, st);
            assertEquals(1, st.sequences);
        }
        assertRejected(() -> new Network(config, KernelProvider.get(), 0, 5), "maxBatch must be >= 1, got 0");
        assertRejected(() -> new Network(config, KernelProvider.get(), 1, 0), "maxSteps must be >= 1, got 0");
    }
}
