package dev.ntm.engine.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamLayout;

/**
 * Trace files (docs/SPEC.md section 6): one sequence run through a model, as a safetensors file.
 *
 * <p>Tensors (F32, row-major; T steps, sizes X, Y, R, W, N, M of the configuration):
 * {@code inputs} [T, X], {@code targets} [T, Y], {@code mask} [T], {@code logits} [T, Y],
 * {@code read_weights} [T, R, N], {@code write_weights} [T, W, N], optionally {@code memory}
 * [T+1, N, M] (M_0 to M_T, each row-major [N, M]), optionally {@code add_vectors} and
 * {@code erase_vectors} [T, W, M] (what each write head added and erased; for pictures, so they
 * travel together or not at all), {@code loss} [1] (nats, docs/SPEC.md section 3)
 * and {@code grad.<tensor name>} for every parameter tensor, shaped as the parameter. Metadata:
 * {@code format: "ntm-trace"}, {@code version: "1"}, {@code config}, and any extra strings.
 *
 * <p>Inputs are plain arrays so that both the engine and the double-precision reference can
 * write traces. Values are recorded as they are, non-finite ones included.
 */
public final class TraceFile {

    /** Value of metadata {@code format}. */
    public static final String FORMAT = "ntm-trace";
    /** Prefix of gradient tensors. */
    public static final String GRAD_PREFIX = "grad.";

    /**
     * One traced sequence; all arrays flat and row-major.
     *
     * @param config       the model configuration
     * @param inputs       [T, X]
     * @param targets      [T, Y]
     * @param mask         [T]; its length defines T (at least 1)
     * @param logits       [T, Y]
     * @param readWeights  [T, R, N]
     * @param writeWeights [T, W, N]
     * @param memory       [T+1, N, M] row-major per step, or null when not recorded
     * @param addVectors   [T, W, M] add vectors a_t of the write heads, or null when not recorded
     * @param eraseVectors [T, W, M] erase vectors e_t of the write heads; null exactly when addVectors is
     * @param loss         the sequence's loss in nats
     * @param gradients    {@code layout.size()} floats in layout order (padding ignored)
     * @param meta         extra metadata strings (keys format, version, config, crc32c reserved)
     */
    public record Trace(NtmConfig config, float[] inputs, float[] targets, float[] mask, float[] logits,
                        float[] readWeights, float[] writeWeights, float[] memory, float[] addVectors,
                        float[] eraseVectors, float loss, float[] gradients, Map<String, String> meta) {

        /** Checks every array against the configuration and T = mask.length. */
        public Trace {
            if (config == null || inputs == null || targets == null || mask == null || logits == null
                    || readWeights == null || writeWeights == null || gradients == null || meta == null) {
                throw new IllegalArgumentException("only memory may be null in a trace");
            }
            long t = mask.length;
            if (t < 1) {
                throw new IllegalArgumentException("a trace needs at least 1 step (mask of length >= 1), got 0");
            }
            long x = config.inputSize();
            long y = config.outputSize();
            long n = config.memoryRows();
            long m = config.memoryWidth();
            requireLength("inputs", inputs, t * x, "T*X");
            requireLength("targets", targets, t * y, "T*Y");
            requireLength("logits", logits, t * y, "T*Y");
            requireLength("read_weights", readWeights, t * config.readHeads() * n, "T*R*N");
            requireLength("write_weights", writeWeights, t * config.writeHeads() * n, "T*W*N");
            if (memory != null) {
                requireLength("memory", memory, (t + 1) * n * m, "(T+1)*N*M");
            }
            if ((addVectors == null) != (eraseVectors == null)) {
                throw new IllegalArgumentException("a trace has both add and erase vectors or neither");
            }
            if (addVectors != null) {
                requireLength("add_vectors", addVectors, t * config.writeHeads() * m, "T*W*M");
                requireLength("erase_vectors", eraseVectors, t * config.writeHeads() * m, "T*W*M");
            }
            requireLength("gradients", gradients, ParamLayout.of(config).size(), "layout.size()");
            for (String k : meta.keySet()) {
                if (Checkpoint.RESERVED_KEYS.contains(k)) {
                    throw new IllegalArgumentException("extra metadata key '" + k + "' is reserved; reserved keys: "
                            + Checkpoint.RESERVED_KEYS);
                }
            }
            meta = Map.copyOf(meta);
        }

        /** A trace without add and erase vectors. */
        public Trace(NtmConfig config, float[] inputs, float[] targets, float[] mask, float[] logits,
                     float[] readWeights, float[] writeWeights, float[] memory, float loss, float[] gradients,
                     Map<String, String> meta) {
            this(config, inputs, targets, mask, logits, readWeights, writeWeights, memory, null, null, loss,
                    gradients, meta);
        }

        /** Number of steps T. */
        public int steps() {
            return mask.length;
        }

        private static void requireLength(String what, float[] a, long expected, String formula) {
            if (a.length != expected) {
                throw new IllegalArgumentException(what + " must hold " + formula + " = " + expected
                        + " floats, got " + a.length);
            }
        }
    }

    private TraceFile() {
    }

    /** Writes {@code trace} atomically to {@code path}. */
    public static void write(Path path, Trace trace) throws IOException {
        NtmConfig c = trace.config();
        long t = trace.steps();
        long x = c.inputSize();
        long y = c.outputSize();
        long n = c.memoryRows();
        Safetensors.Writer w = Safetensors.writer()
                .metadata("format", FORMAT)
                .metadata("version", Checkpoint.VERSION)
                .metadata("config", ConfigJson.toJson(c))
                .metadata(trace.meta())
                .addF32("inputs", trace.inputs(), 0, t, x)
                .addF32("targets", trace.targets(), 0, t, y)
                .addF32("mask", trace.mask(), 0, t)
                .addF32("logits", trace.logits(), 0, t, y)
                .addF32("read_weights", trace.readWeights(), 0, t, c.readHeads(), n)
                .addF32("write_weights", trace.writeWeights(), 0, t, c.writeHeads(), n);
        if (trace.memory() != null) {
            w.addF32("memory", trace.memory(), 0, t + 1, n, c.memoryWidth());
        }
        if (trace.addVectors() != null) {
            w.addF32("add_vectors", trace.addVectors(), 0, t, c.writeHeads(), c.memoryWidth());
            w.addF32("erase_vectors", trace.eraseVectors(), 0, t, c.writeHeads(), c.memoryWidth());
        }
        w.addF32("loss", new float[] {trace.loss()}, 0, 1);
        Checkpoint.addTensors(w, ParamLayout.of(c), GRAD_PREFIX, MemorySegment.ofArray(trace.gradients()));
        w.write(path);
    }

    /**
     * Reads a trace, checking format, version, configuration and every shape; unknown tensors
     * and missing ones (other than {@code memory}) are errors.
     */
    public static Trace read(Path path) throws IOException {
        try (Safetensors.Reader r = Safetensors.open(path)) {
            NtmConfig c = Checkpoint.readHeader(r, FORMAT, "trace");
            if (!r.has("mask") || r.info("mask").shape().length != 1 || r.info("mask").shape()[0] < 1) {
                throw new Safetensors.FormatException(path + ": trace needs a tensor 'mask' of shape [T], T >= 1");
            }
            ParamLayout layout = Checkpoint.layoutOf(r, c);
            List<String> unknown = new ArrayList<>();
            for (Safetensors.TensorInfo info : r.tensors()) {
                String name = info.name();
                boolean known = name.startsWith(GRAD_PREFIX)
                        ? layout.has(name.substring(GRAD_PREFIX.length()))
                        : TENSORS.contains(name);
                if (!known) {
                    unknown.add(name);
                }
            }
            if (!unknown.isEmpty()) {
                throw new Safetensors.FormatException(path + ": unknown tensor(s) " + unknown + " in trace");
            }
            int t = Math.toIntExact(r.info("mask").shape()[0]);
            int x = c.inputSize();
            int y = c.outputSize();
            int n = c.memoryRows();
            float[] inputs = read(r, "inputs", t, x);
            float[] targets = read(r, "targets", t, y);
            float[] mask = read(r, "mask", t);
            float[] logits = read(r, "logits", t, y);
            float[] readWeights = read(r, "read_weights", t, c.readHeads(), n);
            float[] writeWeights = read(r, "write_weights", t, c.writeHeads(), n);
            float[] memory = r.has("memory") ? read(r, "memory", t + 1, n, c.memoryWidth()) : null;
            boolean writes = r.has("add_vectors") || r.has("erase_vectors");
            float[] adds = writes ? read(r, "add_vectors", t, c.writeHeads(), c.memoryWidth()) : null;
            float[] erases = writes ? read(r, "erase_vectors", t, c.writeHeads(), c.memoryWidth()) : null;
            float[] loss = read(r, "loss", 1);
            float[] grads = Checkpoint.readBuffer(r, layout, GRAD_PREFIX, false);
            return new Trace(c, inputs, targets, mask, logits, readWeights, writeWeights, memory, adds, erases, loss[0],
                    grads, Checkpoint.extraMeta(r));
        }
    }

    /** The tensors of a trace other than the gradients. */
    private static final List<String> TENSORS = List.of("inputs", "targets", "mask", "logits", "read_weights",
            "write_weights", "memory", "add_vectors", "erase_vectors", "loss");

    /**
     * Reads F32 tensor {@code name}, which must have exactly {@code shape}, into a new array;
     * the shape is checked first, so the allocation is backed by the file.
     */
    private static float[] read(Safetensors.Reader r, String name, int... shape) throws Safetensors.FormatException {
        Checkpoint.requireTensor(r, name, shape);
        return r.readF32(name);
    }
}
