package dev.ntm.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trace files: the tensor names and shapes of docs/SPEC.md section 6, and exact read-back. */
class TraceFileTest {

    @TempDir
    Path dir;

    private static final NtmConfig CONFIG = NtmConfig.builder().inputSize(3).outputSize(2).memory(8, 4)
            .readHeads(2).writeHeads(1).hiddenSize(5).build();
    private static final int T = 6;

    private static float[] random(int n, SplitMix64 rng) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.uniform(-2, 2);
        }
        return a;
    }

    private static TraceFile.Trace trace(boolean withMemory) {
        SplitMix64 rng = new SplitMix64(3);
        ParamLayout layout = ParamLayout.of(CONFIG);
        float[] grads = new float[(int) layout.size()];
        for (ParamLayout.Tensor t : layout.tensors()) {
            for (int i = 0; i < t.size(); i++) {
                grads[(int) t.offset() + i] = (float) rng.gaussian();
            }
        }
        float[] mask = {0, 0, 0, 1, 1, 1};
        return new TraceFile.Trace(CONFIG, random(T * 3, rng), random(T * 2, rng), mask, random(T * 2, rng),
                random(T * 2 * 8, rng), random(T * 8, rng), withMemory ? random((T + 1) * 8 * 4, rng) : null,
                4.25f, grads, Map.of("task", "copy", "seed", "3"));
    }

    @Test
    void traceHasExactlyTheShapesOfTheSpec() throws IOException {
        Path p = dir.resolve("trace.safetensors");
        TraceFile.write(p, trace(true));
        ParamLayout layout = ParamLayout.of(CONFIG);
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("inputs", new long[] {T, 3});
        expected.put("targets", new long[] {T, 2});
        expected.put("mask", new long[] {T});
        expected.put("logits", new long[] {T, 2});
        expected.put("read_weights", new long[] {T, 2, 8});
        expected.put("write_weights", new long[] {T, 1, 8});
        expected.put("memory", new long[] {T + 1, 8, 4});
        expected.put("loss", new long[] {1});
        for (ParamLayout.Tensor t : layout.tensors()) {
            expected.put("grad." + t.name(), Checkpoint.longShape(t.shape()));
        }
        try (Safetensors.Reader r = Safetensors.open(p)) {
            assertEquals(List.copyOf(expected.keySet()), r.tensors().stream().map(Safetensors.TensorInfo::name).toList());
            for (Safetensors.TensorInfo t : r.tensors()) {
                assertArrayEquals(expected.get(t.name()), t.shape(), t.name());
                assertEquals(Safetensors.DType.F32, t.dtype());
            }
            assertEquals("ntm-trace", r.metadata().get("format"));
            assertEquals("1", r.metadata().get("version"));
            assertEquals(CONFIG, ConfigJson.fromJson(r.metadata().get("config")));
            assertEquals("copy", r.metadata().get("task"));
            assertArrayEquals(new float[] {4.25f}, r.readF32("loss"));
            assertTrue(r.has("grad.controller.lstm.0.weight"));
        }
    }

    @Test
    void traceReadsBackExactly() throws IOException {
        for (boolean withMemory : new boolean[] {true, false}) {
            TraceFile.Trace tr = trace(withMemory);
            Path p = dir.resolve("trace" + withMemory + ".safetensors");
            TraceFile.write(p, tr);
            TraceFile.Trace back = TraceFile.read(p);
            assertEquals(CONFIG, back.config());
            assertEquals(T, back.steps());
            assertArrayEquals(tr.inputs(), back.inputs());
            assertArrayEquals(tr.targets(), back.targets());
            assertArrayEquals(tr.mask(), back.mask());
            assertArrayEquals(tr.logits(), back.logits());
            assertArrayEquals(tr.readWeights(), back.readWeights());
            assertArrayEquals(tr.writeWeights(), back.writeWeights());
            if (withMemory) {
                assertArrayEquals(tr.memory(), back.memory());
            } else {
                assertNull(back.memory());
            }
            assertEquals(tr.loss(), back.loss());
            // gradients equal at every parameter; padding reads back as zero
            CheckpointTest.assertSameParameters(ParamLayout.of(CONFIG), tr.gradients(), back.gradients());
            assertEquals(tr.meta(), back.meta());
        }
    }

    @Test
    void nonFiniteValuesAreRecordedAsTheyAre() throws IOException {
        TraceFile.Trace tr = trace(false);
        tr.logits()[5] = Float.NaN;
        tr.gradients()[0] = Float.NEGATIVE_INFINITY;
        Path p = dir.resolve("nan.safetensors");
        TraceFile.write(p, tr);
        TraceFile.Trace back = TraceFile.read(p);
        assertTrue(Float.isNaN(back.logits()[5]));
        assertEquals(Float.NEGATIVE_INFINITY, back.gradients()[0]);
    }

    @Test
    void wrongArrayLengthsAreNamed() {
        TraceFile.Trace ok = trace(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TraceFile.Trace(CONFIG, ok.inputs(), ok.targets(), ok.mask(), ok.logits(), new float[5],
                        ok.writeWeights(), ok.memory(), 1f, ok.gradients(), Map.of()));
        assertEquals("read_weights must hold T*R*N = 96 floats, got 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TraceFile.Trace(CONFIG, ok.inputs(), ok.targets(), ok.mask(), ok.logits(), ok.readWeights(),
                        ok.writeWeights(), new float[T * 32], 1f, ok.gradients(), Map.of()));
        assertEquals("memory must hold (T+1)*N*M = 224 floats, got 192", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TraceFile.Trace(CONFIG, new float[0], new float[0], new float[0], new float[0], new float[0],
                        new float[0], null, 1f, ok.gradients(), Map.of()));
        assertTrue(e.getMessage().contains("at least 1 step"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TraceFile.Trace(CONFIG, ok.inputs(), ok.targets(), ok.mask(), ok.logits(), ok.readWeights(),
                        ok.writeWeights(), null, 1f, ok.gradients(), Map.of("format", "x")));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    }

    @Test
    void damagedTracesAreRejected() throws IOException {
        Path p = dir.resolve("t.safetensors");
        TraceFile.write(p, trace(true));
        RawSafetensors raw = RawSafetensors.read(p);
        raw.addF32("attention", new long[] {1}, new float[] {0f});
        raw.write(p, true);
        Safetensors.FormatException e = assertThrows(Safetensors.FormatException.class, () -> TraceFile.read(p));
        assertTrue(e.getMessage().contains("unknown tensor(s) [attention]"), e.getMessage());

        TraceFile.write(p, trace(true));
        raw = RawSafetensors.read(p);
        raw.tensor("memory").put("shape", List.of(28L, 8L, 1L)); // same element count, wrong shape
        raw.write(p, false);
        e = assertThrows(Safetensors.FormatException.class, () -> TraceFile.read(p));
        assertTrue(e.getMessage().contains("tensor 'memory' has shape [28, 8, 1], expected [7, 8, 4]"), e.getMessage());

        TraceFile.write(p, trace(false));
        raw = RawSafetensors.read(p);
        raw.removeTensor("grad.output.bias");
        raw.write(p, true);
        e = assertThrows(Safetensors.FormatException.class, () -> TraceFile.read(p));
        assertTrue(e.getMessage().contains("missing tensor 'grad.output.bias'"), e.getMessage());

        Path ckpt = dir.resolve("model.ntm");
        Checkpoint.save(ckpt, CONFIG, new float[(int) ParamLayout.of(CONFIG).size()]);
        e = assertThrows(Safetensors.FormatException.class, () -> TraceFile.read(ckpt));
        assertTrue(e.getMessage().contains("metadata format is 'ntm-checkpoint', expected 'ntm-trace'"), e.getMessage());
    }
}
