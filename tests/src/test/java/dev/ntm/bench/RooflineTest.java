package dev.ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamLayout;
import org.junit.jupiter.api.Test;

/**
 * FLOP and byte counts of {@link Roofline} against counts worked out by hand from the rules in its
 * javadoc, and the peak arithmetic against synthetic /proc/cpuinfo contents. Counts are integers,
 * so they are compared exactly.
 */
class RooflineTest {

    /** X=2, Y=1, N=4, M=2, R=W=1, S=1 (3 shifts), one LSTM layer of H=3. */
    private static NtmConfig tiny() {
        return NtmConfig.builder().inputSize(2).outputSize(1).memory(4, 2).readHeads(1).writeHeads(1)
                .shiftRange(1).hiddenSize(3).layers(1).build();
    }

    @Test
    void tinyInferenceStepMatchesHandCount() {
        // Controller: W is 4H x (X + RM + H) = 12 x 7 -> 2*12*7 = 168; bias 12; sigmoid on 9 gates
        // at 3 = 27; tanh on 3 = 3; cell 3 units at 3 = 9; hidden 3 at 2 = 6.
        long controller = 168 + 12 + 27 + 3 + 9 + 6;
        // Read head, P = M + 3 + 3 = 8: gemv 2*8*3 = 48, bias 8, clip 16, key tanh 2, beta 3,
        // g 3, shift softmax 3*5 = 15, gamma 4.
        long readHead = 48 + 8 + 16 + 2 + 3 + 3 + 15 + 4;
        // Write head, P = 12: gemv 72, bias 12, clip 24, as above 2+3+3+15+4, erase 2*3, add 2.
        long writeHead = 72 + 12 + 24 + 2 + 3 + 3 + 15 + 4 + 6 + 2;
        long rowNorms = 2 * 8 + 4;
        // Per head: cosine 2NM + 3N + 2M + 1 = 33, content 6N = 24, interpolation 3N + 1 = 13,
        // shift 2*N*3 = 24, sharpen 8N = 32.
        long addressing = 2 * (33 + 24 + 13 + 24 + 32);
        long read = 2 * 8;
        long write = 5 * 8;
        // Output: 1 x (H + RM) = 1 x 5 -> 10, bias 1, clip 2, sigmoid 3.
        long output = 10 + 1 + 2 + 3;
        long expected = controller + readHead + writeHead + rowNorms + addressing + read + write + output;
        assertEquals(811, expected, "the hand count itself");
        assertEquals(expected, (long) Roofline.inferenceStep(tiny()).flops());
    }

    @Test
    void tinyTrainingStepMatchesHandCount() {
        // Forward as above with the BCE (12 per output) instead of the sigmoid (3).
        long forward = 811 - 3 + 12;
        // Output backward: clip 1, bias 1, gemv 4*1*5 = 20.
        long output = 1 + 1 + 20;
        long write = 12 * 8;
        long read = 4 * 8;
        // Per head: sharpen 11N = 44, shift 4*N*3 = 48, interpolation 7N = 28, content 8N = 32,
        // cosine 6NM + 10N + 2M = 48 + 40 + 4 = 92.
        long addressing = 2 * (44 + 48 + 28 + 32 + 92);
        // Write head activations: add 2*4, erase 2*4, gamma 5, shift 3*5, g 4, beta 5, key 2*4,
        // clip 12, bias 12, gemv 4*12*3 = 144.
        long writeHead = 8 + 8 + 5 + 15 + 4 + 5 + 8 + 12 + 12 + 144;
        // Read head: gamma 5, shift 15, g 4, beta 5, key 8, clip 8, bias 8, gemv 4*8*3 = 96.
        long readHead = 5 + 15 + 4 + 5 + 8 + 8 + 8 + 96;
        // Controller: cell 22*3, bias 12, gemv 4*12*7 = 336.
        long controller = 66 + 12 + 336;
        long expected = forward + output + write + read + addressing + writeHead + readHead + controller;
        assertEquals(2242, expected, "the hand count itself");
        assertEquals(expected, (long) Roofline.trainingStep(tiny()).flops());
    }

    @Test
    void inferenceParameterTrafficIsEveryLayerWeightReadOnce() {
        // Weights and biases of controller, heads and output, read once: 96 + 32 + 48 + 6 floats.
        long parameterBytes = 0;
        for (Roofline.Term t : Roofline.inferenceTerms(tiny())) {
            parameterBytes += t.parameterBytes();
        }
        assertEquals((96 + 32 + 48 + 6) * 4, parameterBytes);

        // The same from the layout of the paper configuration: every tensor except init.*.
        NtmConfig copy = NtmConfig.copyTask();
        long layerFloats = 0;
        for (ParamLayout.Tensor t : ParamLayout.of(copy).tensors()) {
            if (!t.name().startsWith("init.")) {
                layerFloats += t.size();
            }
        }
        long copyParameterBytes = 0;
        for (Roofline.Term t : Roofline.inferenceTerms(copy)) {
            copyParameterBytes += t.parameterBytes();
        }
        assertEquals(layerFloats * 4, copyParameterBytes);
    }

    @Test
    void tinyControllerGemvBytes() {
        List<Roofline.Term> terms = Roofline.inferenceTerms(tiny());
        Roofline.Term gemv = terms.get(0);
        assertEquals("controller.0.gemv", gemv.name());
        // W 12 x 7 floats (parameters), x 7 and y 12 floats.
        assertEquals(12 * 7 * 4, gemv.parameterBytes());
        assertEquals((7 + 12) * 4, gemv.otherBytes());
    }

    @Test
    void paperCopyInferenceStepIsAbout015Mflop() {
        double flops = Roofline.inferenceStep(NtmConfig.copyTask()).flops();
        // The figure is about 0.15 MFLOP; these rules give 166,062 (LSTM 105,100, heads
        // 18,846, addressing 22,228, read 5,120, write 12,800, output 1,968).
        assertEquals(166_062, (long) flops);
        assertTrue(flops > 0.10e6 && flops < 0.25e6, "inference step " + flops + " FLOPs");
    }

    @Test
    void trainingScalesWithBatchButParameterTrafficDoesNot() {
        NtmConfig copy = NtmConfig.copyTask();
        Roofline.Cost one = Roofline.trainingStep(copy);
        Roofline.Cost batch = Roofline.trainingStep(copy, 32);
        assertEquals(32 * one.flops(), batch.flops(), 0.0);
        long parameterBytes = 0;
        for (Roofline.Term t : Roofline.trainingTerms(copy)) {
            parameterBytes += t.parameterBytes();
        }
        assertEquals(32 * (one.bytes() - parameterBytes) + parameterBytes, batch.bytes(), 0.0);
        // Forward + backward is about three forwards (matrix products: 1x forward, 2x backward).
        double ratio = one.flops() / Roofline.inferenceStep(copy).flops();
        assertTrue(ratio > 2.5 && ratio < 3.5, "training/inference FLOP ratio " + ratio);
        assertThrows(IllegalArgumentException.class, () -> Roofline.trainingStep(copy, 0));
    }

    @Test
    void contentOnlyAddressingDropsTheLocationTerms() {
        NtmConfig content = tiny().toBuilder().addressing(NtmConfig.Addressing.CONTENT).build();
        // Per head: interpolation 13, shift 24, sharpen 32 disappear.
        assertEquals(811 - 2 * (13 + 24 + 32), (long) Roofline.inferenceStep(content).flops());
    }

    @Test
    void optimizerCountsEveryTrainableParameter() {
        long trainable = ParamLayout.of(tiny()).parameterCount();
        assertEquals(14.0 * trainable, Roofline.optimizerStep(tiny(), Roofline.Optimizer.ADAM).flops(), 0.0);
        assertEquals(7.0 * 4 * trainable, Roofline.optimizerStep(tiny(), Roofline.Optimizer.ADAM).bytes(), 0.0);
    }

    @Test
    void peakFromIntelAvx512() {
        List<String> cpuinfo = List.of("vendor_id\t: GenuineIntel", "cpu family\t: 6",
                "cpu MHz\t\t: 3000.000", "flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw");
        Roofline.Peak p = Roofline.peakFrom(cpuinfo, "amd64", 1, null, null, null);
        // 2 units x 2 FLOPs x 16 lanes = 64 FLOPs per cycle, at 3 GHz = 192 GFLOP/s.
        assertEquals(64, p.flopsPerCycle(), 0.0);
        assertEquals(192e9, p.flopsPerSecond(), 1.0);
        assertEquals(384e9, p.withCores(2).flopsPerSecond(), 1.0);
        assertTrue(p.assumptions().contains("2 FMA units per core assumed"), p.assumptions());
    }

    @Test
    void peakFromZen4HalvesTheDatapath() {
        List<String> cpuinfo = List.of("vendor_id\t: AuthenticAMD", "cpu family\t: 25",
                "cpu MHz\t\t: 2596.136", "flags\t\t: fpu avx2 fma avx512f");
        Roofline.Peak p = Roofline.peakFrom(cpuinfo, "amd64", 1, null, null, null);
        assertEquals(512, p.vectorBits());
        assertEquals(32, p.flopsPerCycle(), 0.0);
        assertEquals(32 * 2596.136e6, p.flopsPerSecond(), 1.0);
    }

    @Test
    void peakOverridesAndDefaults() {
        List<String> avx2 = List.of("flags\t\t: fpu avx2 fma");
        Roofline.Peak p = Roofline.peakFrom(avx2, "amd64", 1, "1000", "1", null);
        // 1 unit x 2 x 8 lanes at 1 GHz.
        assertEquals(16e9, p.flopsPerSecond(), 1.0);
        Roofline.Peak unknown = Roofline.peakFrom(List.of(), "aarch64", 1, null, null, null);
        assertEquals(128, unknown.vectorBits());
        assertEquals(2000, unknown.clockMHz(), 0.0);
        assertTrue(unknown.assumptions().contains("clock unknown"), unknown.assumptions());
        assertThrows(IllegalArgumentException.class,
                () -> Roofline.peakFrom(avx2, "amd64", 1, "fast", null, null));
    }

    @Test
    void shareOfPeak() {
        Roofline.Peak p = Roofline.peakFrom(List.of("flags : avx2"), "amd64", 1, "1000", "1", null);
        // 16 GFLOP/s peak; 1.6e5 FLOPs in 100 us = 1.6 GFLOP/s = 10 %.
        assertEquals(0.10, Roofline.shareOfPeak(1.6e5, 100e-6, p), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Roofline.shareOfPeak(1, 0, p));
    }
}
