package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.engine.task.Curriculum;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;

/**
 * A clipping that switches at a curriculum level ({@code norm:5@6:norm:50}): its text form
 * round-trips (checkpoints compare it on resume), bad forms are refused with the expected form,
 * and a trainer below the level trains exactly as with the first clipping alone, from the level
 * on exactly as with the second.
 */
class ClippingSwitchTest {

    private static final Kernels K = KernelProvider.get();
    private static final CopyTask TASK = new CopyTask(4, 1, 6);
    private static final NtmConfig SMALL = NtmConfig.builder().inputSize(5).outputSize(4).memory(16, 6)
            .hiddenSize(16).build();

    @Test
    void textFormRoundTripsAndPicksByLevel() {
        GradientClipping c = GradientClipping.parse("norm:5@6:norm:50");
        assertEquals("norm:5.0@6:norm:50.0", c.toString());
        assertEquals(c, GradientClipping.parse(c.toString()));
        // below the level: the clipping itself, whose mode and limit are the first clipping's
        assertSame(c, c.at(5));
        assertEquals(GradientClipping.Mode.GLOBAL_NORM, c.at(5).mode());
        assertEquals(5f, c.at(5).limit());
        assertEquals(GradientClipping.globalNorm(50f), c.at(6));
        assertEquals(GradientClipping.globalNorm(50f), c.at(Integer.MAX_VALUE));
        GradientClipping plain = GradientClipping.parse("value:10");
        assertSame(plain, plain.at(1));
        assertEquals(GradientClipping.none(), GradientClipping.parse("value:2@3:none").at(3));
        assertEquals(2f, GradientClipping.parse("value:2@3:none").at(2).elementBound());
    }

    @Test
    void badFormsNameTheExpectedOne() {
        for (String bad : new String[] {"norm:5@", "norm:5@0:norm:50", "norm:5@x:norm:50", "norm:5@6",
            "norm:5@6:norm:50@7:none", "norm:5@6:sideways"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GradientClipping.parse(bad), bad);
            assertTrue(e.getMessage().contains("expected"), bad + ": " + e.getMessage());
        }
    }

    @Test
    void trainerUsesTheClippingOfTheCurriculumLevel() throws Exception {
        // A curriculum fixed at level 3 (threshold 0: no evaluation advances it in 12 sequences).
        float[] tight = train(GradientClipping.elementwise(1e-3f));
        float[] loose = train(GradientClipping.none());
        assertFalse(Arrays.equals(tight, loose), "the two clippings must give different training");
        assertArrayEquals(bits(tight), bits(train(GradientClipping.parse("value:0.001@4:none"))),
                "below the switch level the first clipping applies");
        assertArrayEquals(bits(loose), bits(train(GradientClipping.parse("value:0.001@3:none"))),
                "from the switch level on the second clipping applies");
    }

    private static float[] train(GradientClipping clipping) throws Exception {
        TrainerOptions o = TrainerOptions.defaults().adamRecipe().withBatch(4).withThreads(1).withChunks(1)
                .withSeed(3).withMaxSequences(12).withEvaluation(1_000, 20).withStopWhenSolved(false)
                .withClipping(clipping);
        try (Trainer t = new Trainer(SMALL, TASK, o, K)) {
            t.setCurriculum(new Curriculum(TASK, 3, 1, 0.0));
            t.train(new TrainingListener() { });
            assertEquals(3, t.curriculum().level());
            return t.parameterArray();
        }
    }

    private static int[] bits(float[] p) {
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Float.floatToRawIntBits(p[i]);
        }
        return out;
    }
}
