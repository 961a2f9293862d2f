package ntm.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ntm.engine.NtmConfig;

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
}
