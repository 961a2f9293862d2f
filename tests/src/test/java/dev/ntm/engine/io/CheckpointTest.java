package dev.ntm.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: bit-exact round trips, training extras, and rejection of damaged files. */
class CheckpointTest {

    @TempDir
    Path dir;

    /** Special values every round trip must preserve bit for bit. */
    private static final float[] SPECIAL = {-0.0f, 0.0f, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.intBitsToFloat(0x007fffff), Float.intBitsToFloat(0x80400001), Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, 1e-40f};

    /**
     * A layout-sized buffer: random bit patterns (all finite, NaN-free) in every real slot, the
     * special values at the start of every tensor, and non-zero padding (which must not be saved).
     */
    static float[] buffer(ParamLayout layout, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        float[] p = new float[Math.toIntExact(layout.size())];
        Arrays.fill(p, 123f);
        for (ParamLayout.Tensor t : layout.tensors()) {
            for (int i = 0; i < t.size(); i++) {
                float v;
                do {
                    v = Float.intBitsToFloat((int) rng.nextLong());
                } while (!Float.isFinite(v));
                p[(int) t.offset() + i] = i < SPECIAL.length ? SPECIAL[i] : v;
            }
        }
        return p;
    }

    /** Raw bits equal at every real index; padding of the loaded buffer is zero. */
    static void assertSameParameters(ParamLayout layout, float[] expected, float[] actual) {
        assertEquals(layout.size(), actual.length);
        for (int i = 0; i < actual.length; i++) {
            ParamLayout.Tensor t = layout.tensorAt(i);
            int want = t == null ? 0 : Float.floatToRawIntBits(expected[i]);
            if (want != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(layout.describe(i) + ": expected bits " + Integer.toHexString(want)
                        + ", got " + Integer.toHexString(Float.floatToRawIntBits(actual[i])));
            }
        }
    }

    @Test
    void roundTripsBitForBitForEveryConfiguration() throws IOException {
        long seed = 1;
        for (NtmConfig c : ConfigJsonTest.configs()) {
            ParamLayout layout = ParamLayout.of(c);
            float[] params = buffer(layout, seed++);
            Path p = dir.resolve("c" + seed + ".ntm");
            Checkpoint.save(p, c, params);
            Checkpoint.Loaded l = Checkpoint.load(p);
            assertEquals(c, l.config());
            assertSameParameters(layout, params, l.params());
            assertTrue(l.meta().isEmpty());
            assertTrue(l.moments().isEmpty());
        }
    }

    @Test
    void initialisedModelRoundTripsAndFileUsesTheSpecNames() throws IOException {
        NtmConfig c = NtmConfig.copyTask();
        ParamLayout layout = ParamLayout.of(c);
        float[] params = ParamInit.initialize(layout, 99);
        Path p = dir.resolve("copy.ntm");
        Checkpoint.save(p, c, params);
        try (Safetensors.Reader r = Safetensors.open(p)) {
            assertEquals(Map.of("format", "ntm-checkpoint", "version", "1", "config", ConfigJson.toJson(c)),
                    r.metadata());
            assertTrue(r.checksummed());
            List<String> names = new ArrayList<>();
            for (Safetensors.TensorInfo t : r.tensors()) {
                names.add(t.name());
                assertEquals(Safetensors.DType.F32, t.dtype());
                assertArrayEquals(Checkpoint.longShape(layout.tensor(t.name()).shape()), t.shape());
            }
            assertEquals(layout.tensors().stream().map(ParamLayout.Tensor::name).toList(), names);
            assertEquals(List.of("controller.lstm.0.weight", "controller.lstm.0.bias", "read_heads.0.weight",
                    "read_heads.0.bias", "write_heads.0.weight", "write_heads.0.bias", "output.weight", "output.bias",
                    "init.read.0", "init.weight.read.0", "init.weight.write.0", "init.memory"), names);
            assertArrayEquals(new long[] {400, 129}, r.info("controller.lstm.0.weight").shape());
            assertArrayEquals(new long[] {128, 20}, r.info("init.memory").shape());
            // padding is not written: the data section holds exactly the real parameters
            long bytes = 0;
            for (Safetensors.TensorInfo t : r.tensors()) {
                bytes += t.end() - t.begin();
            }
            assertEquals(layout.parameterCount() * Float.BYTES, bytes);
        }
        assertSameParameters(layout, params, Checkpoint.load(p).params());
    }

    @Test
    void segmentOverloadsRoundTrip() throws IOException {
        NtmConfig c = NtmConfig.builder().layers(2).readHeads(2).writeHeads(2).memory(32, 8).hiddenSize(20).build();
        ParamLayout layout = ParamLayout.of(c);
        float[] params = buffer(layout, 5);
        float[] moment = buffer(layout, 6);
        Path p = dir.resolve("seg.ntm");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = Buffers.allocate(arena, layout.size());
            MemorySegment mom = Buffers.allocate(arena, layout.size());
            Buffers.copy(params, 0, seg, 0, params.length);
            Buffers.copy(moment, 0, mom, 0, moment.length);
            Checkpoint.save(p, c, seg, Map.of("step", "3"), Map.of("m", mom));

            Checkpoint.Loaded l = Checkpoint.load(p);
            MemorySegment back = Buffers.allocate(arena, layout.size());
            MemorySegment backMom = Buffers.allocate(arena, layout.size());
            l.copyParamsTo(back);
            l.copyMomentTo("m", backMom);
            float[] a = new float[params.length];
            float[] b = new float[params.length];
            Buffers.copy(back, 0, a, 0, a.length);
            Buffers.copy(backMom, 0, b, 0, b.length);
            assertSameParameters(layout, params, a);
            assertSameParameters(layout, moment, b);
            assertThrows(IllegalArgumentException.class, () -> l.copyParamsTo(Buffers.allocate(arena, 10)));
            assertThrows(IllegalArgumentException.class, () -> l.copyMomentTo("v", backMom));
        }
    }

    @Test
    void trainingExtrasRoundTrip() throws IOException {
        NtmConfig c = NtmConfig.builder().controller(NtmConfig.Controller.FEEDFORWARD).memory(20, 6).hiddenSize(12)
                .build();
        ParamLayout layout = ParamLayout.of(c);
        float[] params = buffer(layout, 10);
        Map<String, float[]> moments = new LinkedHashMap<>();
        moments.put("m", buffer(layout, 11));
        moments.put("v", buffer(layout, 12));
        Map<String, String> meta = Map.of("optimizer", "adam", "step", "123456", "rng.state", "-8446744073709551615",
                "optimizer.config", "{\"lr\":0.001}");
        Path p = dir.resolve("train.ntm");
        Checkpoint.save(p, c, params, meta, moments);
        Checkpoint.Loaded l = Checkpoint.load(p);
        assertEquals(meta, l.meta());
        assertEquals(List.of("m", "v"), List.copyOf(l.moments().keySet()));
        assertSameParameters(layout, params, l.params());
        assertSameParameters(layout, moments.get("m"), l.moments().get("m"));
        assertSameParameters(layout, moments.get("v"), l.moments().get("v"));
        try (Safetensors.Reader r = Safetensors.open(p)) {
            assertTrue(r.has("optim.m.controller.ff.0.weight"));
            assertTrue(r.has("optim.v.init.memory"));
        }
    }

    @Test
    void saveRefusesBadInput() {
        NtmConfig c = NtmConfig.copyTask();
        ParamLayout layout = ParamLayout.of(c);
        Path p = dir.resolve("x.ntm");
        float[] params = buffer(layout, 1);
        long at = layout.offset("output.weight") + 3L * c.outputInputSize() + 17;
        params[(int) at] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(p, c, params));
        assertTrue(e.getMessage().contains("params holds NaN at output.weight[3][17]"), e.getMessage());

        float[] ok = buffer(layout, 2);
        float[] inf = buffer(layout, 3);
        inf[(int) layout.offset("init.memory")] = Float.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(p, c, ok, Map.of(), Map.of("v", inf)));
        assertTrue(e.getMessage().contains("moment 'v' holds -Infinity at init.memory[0][0]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(p, c, new float[10]));
        assertTrue(e.getMessage().contains("params must hold layout.size() = " + layout.size()), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(p, c, ok, Map.of("config", "x"), Map.of()));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(p, c, ok, Map.of(), Map.of("a.b", ok)));
        assertTrue(e.getMessage().contains("moment name"), e.getMessage());
        assertFalse(Files.exists(p), "nothing is written when a save is refused");
    }

    // ---- damaged files ----

    private Path saved(Map<String, float[]> moments) throws IOException {
        NtmConfig c = NtmConfig.copyTask();
        Path p = dir.resolve("good.ntm");
        Checkpoint.save(p, c, buffer(ParamLayout.of(c), 7), Map.of("step", "1"), moments);
        return p;
    }

    private Safetensors.FormatException rejected(Path p, String fragment) {
        Safetensors.FormatException e = assertThrows(Safetensors.FormatException.class, () -> Checkpoint.load(p));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    @Test
    void truncatedFileIsRejected() throws IOException {
        Path p = saved(Map.of());
        byte[] bytes = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(bytes, bytes.length - 100));
        rejected(p, "beyond the data section");
    }

    @Test
    void flippedDataByteFailsTheChecksum() throws IOException {
        Path p = saved(Map.of());
        byte[] bytes = Files.readAllBytes(p);
        bytes[bytes.length - 1000] ^= 0x10;
        Files.write(p, bytes);
        rejected(p, "data checksum mismatch");
    }

    @Test
    void headerLengthLargerThanTheFileIsRejected() throws IOException {
        Path p = saved(Map.of());
        byte[] bytes = Files.readAllBytes(p);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
        Files.write(p, bytes);
        rejected(p, "header length " + bytes.length + " does not fit the file of " + bytes.length + " bytes");
    }

    @Test
    void wrongShapeIsRejected() throws IOException {
        Path p = saved(Map.of());
        RawSafetensors raw = RawSafetensors.read(p);
        raw.tensor("output.weight").put("shape", List.of(120L, 8L)); // same bytes, transposed shape
        raw.write(p, false);
        rejected(p, "tensor 'output.weight' has shape [120, 8], expected [8, 120]");
    }

    @Test
    void missingTensorIsRejected() throws IOException {
        Path p = saved(Map.of());
        RawSafetensors raw = RawSafetensors.read(p);
        raw.removeTensor("output.bias");
        raw.write(p, true);
        rejected(p, "missing tensor 'output.bias' (expected shape [8])");
    }

    @Test
    void missingMomentTensorIsRejected() throws IOException {
        NtmConfig c = NtmConfig.copyTask();
        Path p = saved(Map.of("m", buffer(ParamLayout.of(c), 8)));
        RawSafetensors raw = RawSafetensors.read(p);
        raw.removeTensor("optim.m.init.read.0");
        raw.write(p, true);
        rejected(p, "missing tensor 'optim.m.init.read.0' (expected shape [20])");
    }

    @Test
    void unknownTensorsAreRejected() throws IOException {
        for (String name : List.of("extra.thing", "optim.m.no_such_tensor", "optim..output.bias", "output.weight2")) {
            Path p = saved(Map.of());
            RawSafetensors raw = RawSafetensors.read(p);
            raw.addF32(name, new long[] {2}, new float[] {1f, 2f});
            raw.write(p, true);
            rejected(p, "unknown tensor(s) [" + name + "]");
        }
    }

    @Test
    void badDtypeIsRejected() throws IOException {
        Path p = saved(Map.of());
        RawSafetensors raw = RawSafetensors.read(p);
        raw.tensor("output.bias").put("dtype", "BF16");
        raw.write(p, false);
        rejected(p, "tensor 'output.bias' has unsupported dtype 'BF16'");
    }

    @Test
    void nonFiniteValuesAreRejectedWithTheirPlace() throws IOException {
        Path p = saved(Map.of());
        RawSafetensors raw = RawSafetensors.read(p);
        raw.setFloat("output.weight", 3 * 120 + 17, Float.NaN);
        raw.write(p, true);
        rejected(p, "tensor 'output.weight' holds NaN at [3][17]");

        NtmConfig c = NtmConfig.copyTask();
        p = saved(Map.of("v", buffer(ParamLayout.of(c), 9)));
        raw = RawSafetensors.read(p);
        raw.setFloat("optim.v.init.weight.write.0", 127, Float.POSITIVE_INFINITY);
        raw.write(p, true);
        rejected(p, "tensor 'optim.v.init.weight.write.0' holds Infinity at [127]");
    }

    @Test
    void wrongMetadataIsRejected() throws IOException {
        Path p = saved(Map.of());
        RawSafetensors raw = RawSafetensors.read(p);
        raw.meta().put("format", "ntm-trace");
        raw.write(p, false);
        rejected(p, "metadata format is 'ntm-trace', expected 'ntm-checkpoint'");

        raw.meta().put("format", "ntm-checkpoint");
        raw.meta().put("version", "2");
        raw.write(p, false);
        rejected(p, "unsupported checkpoint version '2'; this build reads version 1");

        raw.meta().put("version", "1");
        Map<String, Object> config = Json.parseObject((String) raw.meta().get("config"), "config");
        config.remove("hiddenSize");
        raw.meta().put("config", Json.write(config));
        raw.write(p, false);
        rejected(p, "metadata 'config' is invalid: configuration is missing field(s) [hiddenSize]");

        config.put("hiddenSize", 50L); // valid configuration, but not the one the tensors were saved with
        raw.meta().put("config", Json.write(config));
        raw.write(p, false);
        rejected(p, "tensor 'controller.lstm.0.weight' has shape [400, 129], expected [200, 79]");

        config.put("hiddenSize", 100L);
        raw.meta().put("config", Json.write(config));
        raw.meta().remove(Safetensors.CRC_KEY);
        raw.write(p, false);
        rejected(p, "checkpoint has no crc32c checksum");
    }

    /**
     * The configuration in the metadata is not trusted: a layout larger than Java arrays, or
     * larger than the file, is rejected from the header before any buffer is allocated.
     */
    @Test
    void configurationsTooLargeForTheFileAreRejectedBeforeAllocating() throws IOException {
        Path p = saved(Map.of());
        RawSafetensors raw = RawSafetensors.read(p);
        Map<String, Object> config = Json.parseObject((String) raw.meta().get("config"), "config");
        config.put("memoryRows", 1L << 20);
        config.put("memoryWidth", 1L << 16);
        raw.meta().put("config", Json.write(config));
        raw.write(p, false);
        rejected(p, "tensor init.memory is too large");

        config.put("memoryWidth", 20L);
        raw.meta().put("config", Json.write(config));
        raw.write(p, false);
        rejected(p, "tensor 'init.weight.read.0' has shape [128], expected [1048576]");
    }

    /**
     * A checkpoint write that fails part-way through its data leaves the previous checkpoint
     * intact, byte for byte, and no temporary file.
     */
    @Test
    void failedSaveKeepsThePreviousCheckpoint() throws IOException {
        NtmConfig c = NtmConfig.builder().memory(256, 64).hiddenSize(200).build();
        ParamLayout layout = ParamLayout.of(c);
        Path p = dir.resolve("model.ntm");
        float[] first = buffer(layout, 1);
        Checkpoint.save(p, c, first);
        byte[] before = Files.readAllBytes(p);

        float[] second = buffer(layout, 2);
        Safetensors.Writer w = Checkpoint.writer(c, MemorySegment.ofArray(second), Map.of(), Map.of());
        // fail once the first tensor's bytes are on disk, part-way through the data section
        w.failAfterBytes = layout.tensors().get(0).size() * (long) Float.BYTES + 1;
        assertThrows(IOException.class, () -> w.write(p));
        assertArrayEquals(before, Files.readAllBytes(p));
        assertFalse(Files.exists(Safetensors.tempFileOf(p)));
        assertSameParameters(layout, first, Checkpoint.load(p).params());

        Checkpoint.save(p, c, second);
        assertFalse(Files.exists(Safetensors.tempFileOf(p)));
        assertSameParameters(layout, second, Checkpoint.load(p).params());
    }
}
