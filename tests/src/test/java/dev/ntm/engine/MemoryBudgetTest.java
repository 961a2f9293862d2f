package dev.ntm.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.model.Network;
import dev.ntm.kernels.KernelProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The memory estimates follow the engine's real allocations, and library calls refuse what cannot fit. */
class MemoryBudgetTest {

    @ParameterizedTest
    @CsvSource({"128, 20, 100, 1, LSTM, 1, 1, 10", "16, 6, 16, 2, LSTM, 4, 7, 3", "33, 5, 24, 1, FEEDFORWARD, 3, 2, 41",
            "128, 20, 100, 1, LSTM, 32, 1, 1"})
    void tapeEstimateFollowsTheRealTape(int n, int m, int h, int layers, NtmConfig.Controller controller, int batch,
                                        int heads, int steps) {
        NtmConfig c = NtmConfig.builder().memory(n, m).hiddenSize(h).layers(layers).controller(controller)
                .readHeads(heads).writeHeads(heads).build();
        try (Network net = new Network(c, KernelProvider.get(), batch, steps)) {
            double estimate = MemoryBudget.networkBytes(c, batch, steps);
            double real = net.tapeBytes();
            assertTrue(estimate >= real * 0.95 && estimate <= real * 1.1,
                    "estimate " + estimate + " vs tape " + real + " for " + c);
        }
    }

    @Test
    void sessionsAndWarmUpValidateTheirSizes() {
        NtmModel model = NtmModel.create(NtmConfig.copyTask(), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.newSession(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("1..65536"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.newSession(0));
        NtmModel huge = NtmModel.create(NtmConfig.builder().memory(1 << 20, 64).build(), 1);
        e = assertThrows(IllegalArgumentException.class, () -> huge.newSession(1 << 16));
        assertTrue(e.getMessage().contains("native memory") && e.getMessage().contains("available"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.warmUp(Duration.ofDays(365_000)));
        assertTrue(e.getMessage().contains("warm-up budget"), e.getMessage());
    }
}
