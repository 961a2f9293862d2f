package dev.ntm.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ntm.engine.NtmConfig;

/** Model creation, save and load. */
class NtmModelTest {

    @Test
    void sameSeedGivesTheSameModel() {
        NtmConfig c = NtmConfig.copyTask();
        assertArrayEquals(NtmModel.create(c, 5).parameters(), NtmModel.create(c, 5).parameters());
    }

    @Test
    void saveAndLoadGiveTheSameOutputs(@TempDir Path dir) throws IOException {
        NtmConfig c = NtmConfig.builder().memoryInit(NtmConfig.MemoryInit.LEARNED).readHeads(2).build();
        NtmModel model = NtmModel.create(c, 9);
        Path file = dir.resolve("model.safetensors");
        model.save(file);
        NtmModel loaded = NtmModel.load(file);
        assertEquals(c, loaded.config());
        assertArrayEquals(model.parameters(), loaded.parameters());
        NtmSession a = model.newSession();
        NtmSession b = loaded.newSession();
        float[] in = new float[c.inputSize()];
        float[] outA = new float[c.outputSize()];
        float[] outB = new float[c.outputSize()];
        for (int t = 0; t < 20; t++) {
            in[t % in.length] = 1f;
            a.step(in, outA);
            b.step(in, outB);
            assertArrayEquals(outA, outB, "step " + t);
        }
    }

    @Test
    void loadingAMissingOrBrokenFileFailsWithIoException(@TempDir Path dir) throws IOException {
        assertThrows(IOException.class, () -> NtmModel.load(dir.resolve("absent.safetensors")));
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> NtmModel.load(junk));
    }

    @Test
    void warmUpRunsStepsWithinItsBudgetAndLeavesTheModelAlone() {
        NtmConfig c = NtmConfig.copyTask();
        NtmModel model = NtmModel.create(c, 3);
        float[] before = model.parameters();
        float[] in = new float[c.inputSize()];
        in[2] = 1f;
        float[] expected = new float[c.outputSize()];
        NtmSession session = model.newSession();
        session.step(in, expected);
        session.reset();

        NtmModel.WarmUp w = model.warmUp(Duration.ofMillis(300));
        assertTrue(w.steps() > 0, w.toString());
        assertTrue(w.nsPerStep() > 0 && Double.isFinite(w.nsPerStep()), w.toString());
        // The budget bounds it: one window of ~100 ms may finish past it, never several seconds.
        assertTrue(w.elapsed().compareTo(Duration.ofSeconds(3)) < 0, w.toString());
        assertArrayEquals(before, model.parameters());
        float[] after = new float[c.outputSize()];
        session.step(in, after);
        assertArrayEquals(expected, after);

        NtmModel.WarmUp none = model.warmUp(Duration.ZERO);
        assertEquals(1, none.steps(), "a zero budget still runs one step: " + none);
        assertThrows(IllegalArgumentException.class, () -> model.warmUp(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> model.warmUp(null));
    }
}
