package dev.ntm.engine.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamLayout;

/**
 * Model checkpoints (docs/SPEC.md section 6): a safetensors file with every parameter tensor of the
 * {@link ParamLayout} as F32, row-major, under its layout name (alignment padding is not
 * written), and {@code __metadata__} holding {@code format: "ntm-checkpoint"}, {@code version:
 * "1"}, {@code config} (the {@link ConfigJson} text) and the checksum.
 *
 * <p>Training checkpoints add free-form metadata strings (optimiser, generator and step state)
 * and optimiser moments: each moment is a buffer of the layout's size, stored as one tensor per
 * parameter tensor, named {@code optim.<moment>.<tensor name>}.
 *
 * <p>Saving refuses non-finite values; loading checks format, version, configuration, that every
 * tensor of the layout is present with its exact shape and dtype, that no unknown tensor is
 * present, the checksum, and that every value is finite. Errors name the file, the tensor and,
 * for values, the element.
 */
public final class Checkpoint {

    /** Value of metadata {@code format}. */
    public static final String FORMAT = "ntm-checkpoint";
    /** Value of metadata {@code version} written and accepted by this build. */
    public static final String VERSION = "1";
    /** Prefix of optimiser moment tensors. */
    public static final String MOMENT_PREFIX = "optim.";

    static final List<String> RESERVED_KEYS = List.of("format", "version", "config", Safetensors.CRC_KEY);

    /**
     * A loaded checkpoint.
     *
     * @param config  the model configuration
     * @param layout  its parameter layout
     * @param params  {@code layout.size()} floats, padding zero
     * @param meta    the extra metadata (without format, version, config and checksum)
     * @param moments optimiser moments by name, each {@code layout.size()} floats, padding zero
     */
    public record Loaded(NtmConfig config, ParamLayout layout, float[] params, Map<String, String> meta,
                         Map<String, float[]> moments) {

        /** Copies the parameters into {@code dst}, which must hold {@code layout.size()} floats. */
        public void copyParamsTo(MemorySegment dst) {
            copyTo(params, dst, "parameter");
        }

        /** Copies moment {@code name} into {@code dst}, which must hold {@code layout.size()} floats. */
        public void copyMomentTo(String name, MemorySegment dst) {
            float[] m = moments.get(name);
            if (m == null) {
                throw new IllegalArgumentException("checkpoint has no moment '" + name + "'; it has "
                        + moments.keySet());
            }
            copyTo(m, dst, "moment '" + name + "'");
        }

        private static void copyTo(float[] src, MemorySegment dst, String what) {
            if (dst.byteSize() < (long) src.length * Float.BYTES) {
                throw new IllegalArgumentException("the " + what + " buffer must hold " + src.length
                        + " floats, got " + dst.byteSize() / Float.BYTES);
            }
            MemorySegment.copy(src, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, src.length);
        }
    }

    private Checkpoint() {
    }

    /** Saves a model checkpoint without training state. */
    public static void save(Path path, NtmConfig config, float[] params) throws IOException {
        save(path, config, params, Map.of(), Map.of());
    }

    /**
     * Saves a checkpoint atomically.
     *
     * @param params    {@code layout.size()} floats in layout order
     * @param extraMeta extra metadata strings (keys format, version, config, crc32c are reserved);
     *                  may be empty
     * @param moments   optimiser moments by name ({@code [a-z0-9_]+}), each {@code layout.size()}
     *                  floats; may be empty
     */
    public static void save(Path path, NtmConfig config, float[] params, Map<String, String> extraMeta,
                            Map<String, float[]> moments) throws IOException {
        Map<String, MemorySegment> segs = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : moments.entrySet()) {
            segs.put(e.getKey(), e.getValue() == null ? null : MemorySegment.ofArray(e.getValue()));
        }
        save(path, config, params == null ? null : MemorySegment.ofArray(params), extraMeta, segs);
    }

    /**
     * Saves a checkpoint atomically from segments of native-order floats; as
     * {@link #save(Path, NtmConfig, float[], Map, Map)}.
     */
    public static void save(Path path, NtmConfig config, MemorySegment params, Map<String, String> extraMeta,
                            Map<String, MemorySegment> moments) throws IOException {
        writer(config, params, extraMeta, moments).write(path);
    }

    /** Validates the arguments of a save and returns the writer that performs it. */
    static Safetensors.Writer writer(NtmConfig config, MemorySegment params, Map<String, String> extraMeta,
                                     Map<String, MemorySegment> moments) {
        if (config == null || params == null || extraMeta == null || moments == null) {
            throw new IllegalArgumentException("config, params, extraMeta and moments must not be null"
                    + " (pass empty maps for no training state)");
        }
        ParamLayout layout = ParamLayout.of(config);
        requireSize(layout, params, "params");
        requireFinite(layout, params, "params");
        for (Map.Entry<String, MemorySegment> e : moments.entrySet()) {
            String name = e.getKey();
            if (name == null || !name.matches("[a-z0-9_]+")) {
                throw new IllegalArgumentException("moment name must match [a-z0-9_]+, got '" + name + "'");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("moment '" + name + "' is null");
            }
            requireSize(layout, e.getValue(), "moment '" + name + "'");
            requireFinite(layout, e.getValue(), "moment '" + name + "'");
        }
        Safetensors.Writer w = Safetensors.writer()
                .metadata("format", FORMAT)
                .metadata("version", VERSION)
                .metadata("config", ConfigJson.toJson(config));
        for (Map.Entry<String, String> e : extraMeta.entrySet()) {
            if (RESERVED_KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("extra metadata key '" + e.getKey() + "' is reserved; reserved keys: "
                        + RESERVED_KEYS);
            }
            w.metadata(e.getKey(), e.getValue());
        }
        addTensors(w, layout, "", params);
        for (Map.Entry<String, MemorySegment> e : moments.entrySet()) {
            addTensors(w, layout, MOMENT_PREFIX + e.getKey() + ".", e.getValue());
        }
        return w;
    }

    static void addTensors(Safetensors.Writer w, ParamLayout layout, String prefix, MemorySegment buffer) {
        for (ParamLayout.Tensor t : layout.tensors()) {
            w.addF32(prefix + t.name(), buffer, t.offset(), longShape(t.shape()));
        }
    }

    static long[] longShape(int[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }

    static void requireSize(ParamLayout layout, MemorySegment buffer, String what) {
        long floats = buffer.byteSize() / Float.BYTES;
        if (floats != layout.size()) {
            throw new IllegalArgumentException(what + " must hold layout.size() = " + layout.size()
                    + " floats, got " + floats);
        }
    }

    private static void requireFinite(ParamLayout layout, MemorySegment buffer, String what) {
        for (ParamLayout.Tensor t : layout.tensors()) {
            for (int i = 0; i < t.size(); i++) {
                float v = buffer.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, t.offset() + i);
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(what + " holds " + v + " at "
                            + layout.describe(t.offset() + i) + "; refusing to save non-finite values");
                }
            }
        }
    }

    /** Loads and checks a checkpoint (see the class comment). */
    public static Loaded load(Path path) throws IOException {
        try (Safetensors.Reader r = Safetensors.open(path)) {
            NtmConfig config = readHeader(r, FORMAT, "checkpoint");
            if (!r.checksummed()) {
                throw new Safetensors.FormatException(path + ": checkpoint has no " + Safetensors.CRC_KEY
                        + " checksum in its metadata");
            }
            ParamLayout layout = layoutOf(r, config);
            List<String> unknown = new ArrayList<>();
            Set<String> momentNames = new LinkedHashSet<>();
            for (Safetensors.TensorInfo t : r.tensors()) {
                String name = t.name();
                if (layout.has(name)) {
                    continue;
                }
                if (name.startsWith(MOMENT_PREFIX)) {
                    int dot = name.indexOf('.', MOMENT_PREFIX.length());
                    if (dot > MOMENT_PREFIX.length() && layout.has(name.substring(dot + 1))) {
                        momentNames.add(name.substring(MOMENT_PREFIX.length(), dot));
                        continue;
                    }
                }
                unknown.add(name);
            }
            if (!unknown.isEmpty()) {
                throw new Safetensors.FormatException(path + ": unknown tensor(s) " + unknown
                        + " for configuration " + config);
            }
            float[] params = readBuffer(r, layout, "", true);
            Map<String, float[]> moments = new LinkedHashMap<>();
            for (String moment : momentNames) {
                moments.put(moment, readBuffer(r, layout, MOMENT_PREFIX + moment + ".", true));
            }
            return new Loaded(config, layout, params, extraMeta(r), Collections.unmodifiableMap(moments));
        }
    }

    /** The layout of a configuration read from a file (a layout too large for Java is a format error). */
    static ParamLayout layoutOf(Safetensors.Reader r, NtmConfig config) throws Safetensors.FormatException {
        try {
            return ParamLayout.of(config);
        } catch (IllegalArgumentException e) {
            throw new Safetensors.FormatException(r.path() + ": configuration " + config + " has no usable layout: "
                    + e.getMessage(), e);
        }
    }

    /** Checks format and version, and returns the configuration of a file of ours. */
    static NtmConfig readHeader(Safetensors.Reader r, String format, String what)
            throws Safetensors.FormatException {
        Map<String, String> meta = r.metadata();
        String f = meta.get("format");
        if (!format.equals(f)) {
            throw new Safetensors.FormatException(r.path() + ": metadata format is "
                    + (f == null ? "missing" : "'" + f + "'") + ", expected '" + format + "' (not a " + what + ")");
        }
        String v = meta.get("version");
        if (!VERSION.equals(v)) {
            throw new Safetensors.FormatException(r.path() + ": unsupported " + what + " version "
                    + (v == null ? "(missing)" : "'" + v + "'") + "; this build reads version " + VERSION);
        }
        String json = meta.get("config");
        if (json == null) {
            throw new Safetensors.FormatException(r.path() + ": metadata has no 'config'");
        }
        try {
            return ConfigJson.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new Safetensors.FormatException(r.path() + ": metadata 'config' is invalid: " + e.getMessage(), e);
        }
    }

    static Map<String, String> extraMeta(Safetensors.Reader r) {
        Map<String, String> extra = new LinkedHashMap<>(r.metadata());
        for (String k : RESERVED_KEYS) {
            extra.remove(k);
        }
        return Collections.unmodifiableMap(extra);
    }

    /**
     * Reads the layout's tensors named {@code prefix + name} into a new layout-sized buffer. All
     * shapes are checked before the buffer is allocated, so its size is backed by the file.
     */
    static float[] readBuffer(Safetensors.Reader r, ParamLayout layout, String prefix, boolean finite)
            throws Safetensors.FormatException {
        for (ParamLayout.Tensor t : layout.tensors()) {
            requireTensor(r, prefix + t.name(), t.shape());
        }
        if (layout.size() > Integer.MAX_VALUE - 8) {
            throw new Safetensors.FormatException(r.path() + ": parameter buffer of " + layout.size()
                    + " floats is too large for a Java array");
        }
        float[] out = new float[(int) layout.size()];
        for (ParamLayout.Tensor t : layout.tensors()) {
            readTensor(r, prefix + t.name(), t.shape(), out, (int) t.offset(), finite);
        }
        return out;
    }

    /** Requires F32 tensor {@code name} to be present with exactly {@code shape}. */
    static void requireTensor(Safetensors.Reader r, String name, int[] shape) throws Safetensors.FormatException {
        if (!r.has(name)) {
            throw new Safetensors.FormatException(r.path() + ": missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(shape) + ")");
        }
        Safetensors.TensorInfo info = r.info(name);
        if (!Arrays.equals(info.shape(), longShape(shape))) {
            throw new Safetensors.FormatException(r.path() + ": tensor '" + name + "' has shape "
                    + info.shapeText() + ", expected " + Arrays.toString(shape));
        }
        if (info.dtype() != Safetensors.DType.F32) {
            throw new Safetensors.FormatException(r.path() + ": tensor '" + name + "' has dtype " + info.dtype()
                    + ", expected F32");
        }
    }

    /**
     * Reads F32 tensor {@code name} of exactly {@code shape} into {@code dst} at {@code offset};
     * with {@code finite}, a NaN or infinity is an error naming the element.
     */
    static void readTensor(Safetensors.Reader r, String name, int[] shape, float[] dst, int offset,
                           boolean finite) throws Safetensors.FormatException {
        requireTensor(r, name, shape);
        r.readF32(name, dst, offset);
        if (finite) {
            int n = (int) r.info(name).elements();
            for (int i = 0; i < n; i++) {
                float v = dst[offset + i];
                if (!Float.isFinite(v)) {
                    throw new Safetensors.FormatException(r.path() + ": tensor '" + name + "' holds " + v
                            + " at " + index(shape, i) + "; values must be finite");
                }
            }
        }
    }

    /** The row-major index {@code i} of {@code shape} as text, for example {@code [3][17]}. */
    static String index(int[] shape, long i) {
        StringBuilder sb = new StringBuilder();
        long rest = i;
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
        }
        for (long x : idx) {
            sb.append('[').append(x).append(']');
        }
        return sb.toString();
    }
}
