package dev.ntm.engine.api;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;
import dev.ntm.kernels.SimdKernels;

/**
 * Multi-session inference is batch-invariant: each of the B sequences of a batch-B session gets,
 * bit for bit, the outputs (probabilities and logits) of a batch-1 session fed the same inputs,
 * for B = 1, 3, 8, 17, 32 (full and partial tiles of four batch rows), with a reset mid-way, under
 * the scalar and the SIMD kernels. Bit identity, not a tolerance: every per-step kernel works per
 * sequence, and the batched matrix product computes each element as the same chain of fused
 * multiply-adds whatever the batch size or the row's place in it.
 */
class MultiSessionBatchInvarianceTest {

    private static final int STEPS = 30;
    private static final int RESET_AT = 13;

    /** The paper's copy configuration, and a two-layer feedforward one with two read heads and odd sizes. */
    static List<NtmConfig> configs() {
        return List.of(NtmConfig.copyTask(),
                NtmConfig.builder().inputSize(7).outputSize(5).memory(23, 11).readHeads(2).layers(2).hiddenSize(37)
                        .controller(NtmConfig.Controller.FEEDFORWARD).memoryInit(NtmConfig.MemoryInit.LEARNED).build());
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NtmConfig config : configs()) {
            for (Kernels k : List.<Kernels>of(KernelProvider.scalar(), SimdKernels.preferred())) {
                for (int batch : new int[] {1, 3, 8, 17, 32}) {
                    out.add(Arguments.of(k.name() + " B=" + batch + " " + config, config, k, batch));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachSequenceOfABatchEqualsItselfSteppedAlone(String label, NtmConfig config, Kernels kernels, int batch) {
        NtmModel model = NtmModel.create(config, 31).withKernels(kernels);
        int x = config.inputSize();
        int y = config.outputSize();
        NtmSession together = model.newSession(batch);
        NtmSession[] alone = new NtmSession[batch];
        for (int b = 0; b < batch; b++) {
            alone[b] = model.newSession();
        }
        SplitMix64 rng = new SplitMix64(1000 + batch);
        float[] in = new float[batch * x];
        float[] out = new float[batch * y];
        float[] inOne = new float[x];
        float[] outOne = new float[y];
        for (int t = 0; t < STEPS; t++) {
            if (t == RESET_AT) {
                together.reset();
                for (NtmSession s : alone) {
                    s.reset();
                }
            }
            for (int i = 0; i < in.length; i++) {
                in[i] = (float) rng.uniform(-1, 1);
            }
            // alternate the two outputs: both are compared, and both advance the same state
            boolean logits = t % 2 == 1;
            step(together, logits, in, out);
            for (int b = 0; b < batch; b++) {
                System.arraycopy(in, b * x, inOne, 0, x);
                step(alone[b], logits, inOne, outOne);
                for (int j = 0; j < y; j++) {
                    float got = out[b * y + j];
                    if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(outOne[j])) {
                        fail((logits ? "logit " : "probability ") + j + " of sequence " + b + " at step " + t
                                + ": batch " + batch + " gives " + got + ", alone " + outOne[j]);
                    }
                }
            }
        }
    }

    private static void step(NtmSession s, boolean logits, float[] in, float[] out) {
        if (logits) {
            s.stepLogits(in, out);
        } else {
            s.step(in, out);
        }
    }
}
