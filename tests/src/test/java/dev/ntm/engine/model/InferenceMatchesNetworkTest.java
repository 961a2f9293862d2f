package dev.ntm.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Kernels;

/**
 * {@link Inference} (one step at a time, transposed weight copy, memory written in place) gives
 * the logits of {@link Network#record} (whole sequence on the tape, weights in place), for every
 * configuration of {@link EngineMatchesReferenceTest} and a batch of three sequences stepped
 * together. Tolerance 1e-4 absolute on logits: the two paths sum the layer products in different
 * orders, so they differ by float rounding carried through the recurrence, nothing more.
 */
class InferenceMatchesNetworkTest {

    static Stream<Arguments> configs() {
        return EngineMatchesReferenceTest.smallConfigs();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void inferenceStepsGiveTheRecordedLogits(String name, NtmConfig config) {
        int batch = 3;
        int steps = 16;
        int x = config.inputSize();
        int y = config.outputSize();
        float[] params = ParamInit.initialize(ParamLayout.of(config), 4);
        SplitMix64 rng = new SplitMix64(12);
        Sequence[] seqs = new Sequence[batch];
        for (int b = 0; b < batch; b++) {
            seqs[b] = EngineFixtures.randomSequence(config, steps, rng, b == 1);
        }
        for (Kernels k : EngineFixtures.kernelsUnderTest()) {
            try (Arena arena = Arena.ofConfined(); Network net = new Network(config, k, 1, steps)) {
                MemorySegment p = EngineFixtures.segment(arena, params);
                Inference inf = new Inference(config, k, p, batch);
                float[][] recorded = new float[batch][];
                for (int b = 0; b < batch; b++) {
                    recorded[b] = net.record(p, seqs[b]).logits();
                }
                float[] in = new float[batch * x];
                float[] out = new float[batch * y];
                for (int pass = 0; pass < 2; pass++) {
                    for (int t = 0; t < steps; t++) {
                        for (int b = 0; b < batch; b++) {
                            System.arraycopy(seqs[b].inputs(), t * x, in, b * x, x);
                        }
                        inf.stepLogits(in, out);
                        for (int b = 0; b < batch; b++) {
                            for (int j = 0; j < y; j++) {
                                assertEquals(recorded[b][t * y + j], out[b * y + j], 1e-4,
                                        name + " [" + k.name() + "] pass " + pass + " sequence " + b + " step " + t
                                                + " logit " + j);
                            }
                        }
                    }
                    inf.reset();
                }
            }
        }
    }
}
