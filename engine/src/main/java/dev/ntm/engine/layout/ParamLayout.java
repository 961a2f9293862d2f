package dev.ntm.engine.layout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.NtmConfig;
import dev.ntm.kernels.Buffers;

/**
 * Where every parameter tensor lives in the flat parameter buffer (docs/SPEC.md section 6 names).
 *
 * <p>Tensors follow one another in the order of the specification, each starting on a
 * 64-byte boundary (a multiple of 16 floats), so that kernels see aligned rows. Gradients and
 * optimiser moments use the same layout in buffers of their own. Offsets are in floats.
 */
public final class ParamLayout {

    /** One named tensor: row-major, {@code shape} dimensions, {@code size} floats at {@code offset}. */
    public record Tensor(String name, int[] shape, long offset, int size, boolean trainable) {
        /** Rows of a 2-D tensor (1 for a vector). */
        public int rows() { return shape.length == 2 ? shape[0] : 1; }
        /** Columns of a 2-D tensor (the length of a vector). */
        public int cols() { return shape.length == 2 ? shape[1] : shape[0]; }
        /** The shape as text, for example {@code [400, 129]}. */
        public String shapeText() { return java.util.Arrays.toString(shape); }
    }

    private final NtmConfig config;
    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;
    private final long size;

    private ParamLayout(NtmConfig config) {
        this.config = config;
        List<Tensor> list = new ArrayList<>();
        long[] next = {0};
        int h = config.hiddenSize();
        for (int l = 0; l < config.layers(); l++) {
            int in = config.layerInputSize(l);
            if (config.controller() == NtmConfig.Controller.LSTM) {
                add(list, next, "controller.lstm." + l + ".weight", true, 4 * h, in + h);
                add(list, next, "controller.lstm." + l + ".bias", true, 4 * h);
            } else {
                add(list, next, "controller.ff." + l + ".weight", true, h, in);
                add(list, next, "controller.ff." + l + ".bias", true, h);
            }
        }
        for (int r = 0; r < config.readHeads(); r++) {
            add(list, next, "read_heads." + r + ".weight", true, config.readHeadParams(), h);
            add(list, next, "read_heads." + r + ".bias", true, config.readHeadParams());
        }
        for (int w = 0; w < config.writeHeads(); w++) {
            add(list, next, "write_heads." + w + ".weight", true, config.writeHeadParams(), h);
            add(list, next, "write_heads." + w + ".bias", true, config.writeHeadParams());
        }
        add(list, next, "output.weight", true, config.outputSize(), config.outputInputSize());
        add(list, next, "output.bias", true, config.outputSize());
        for (int r = 0; r < config.readHeads(); r++) {
            add(list, next, "init.read." + r, true, config.memoryWidth());
        }
        for (int r = 0; r < config.readHeads(); r++) {
            add(list, next, "init.weight.read." + r, true, config.memoryRows());
        }
        for (int w = 0; w < config.writeHeads(); w++) {
            add(list, next, "init.weight.write." + w, true, config.memoryRows());
        }
        add(list, next, "init.memory", config.memoryInit() != NtmConfig.MemoryInit.RANDOM,
                config.memoryRows(), config.memoryWidth());
        this.tensors = Collections.unmodifiableList(list);
        Map<String, Tensor> map = new LinkedHashMap<>();
        for (Tensor t : list) {
            map.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(map);
        this.size = next[0];
    }

    private static void add(List<Tensor> list, long[] next, String name, boolean trainable, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + name + " is too large: " + n + " floats");
        }
        list.add(new Tensor(name, shape.clone(), next[0], (int) n, trainable));
        next[0] = Buffers.alignUp(next[0] + n);
    }

    /** The layout of a configuration. */
    public static ParamLayout of(NtmConfig config) {
        return new ParamLayout(config);
    }

    /** The configuration this layout describes. */
    public NtmConfig config() { return config; }

    /** All tensors in file order. */
    public List<Tensor> tensors() { return tensors; }

    /** Size of the flat buffer in floats (including alignment padding, which stays zero). */
    public long size() { return size; }

    /** Number of real parameters (excluding padding). */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors) {
            n += t.size();
        }
        return n;
    }

    /** The tensor named {@code name}; throws naming the known tensors if there is none. */
    public Tensor tensor(String name) {
        Tensor t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'; known: " + byName.keySet());
        }
        return t;
    }

    /** Whether a tensor of that name exists. */
    public boolean has(String name) { return byName.containsKey(name); }

    /** Offset of the named tensor in floats. */
    public long offset(String name) { return tensor(name).offset(); }

    /** The tensor holding flat index {@code index}, or null when it is padding. */
    public Tensor tensorAt(long index) {
        for (Tensor t : tensors) {
            if (index >= t.offset() && index < t.offset() + t.size()) {
                return t;
            }
        }
        return null;
    }

    /**
     * Names a scalar of the flat buffer, for example {@code write_heads.0.weight[3][17]};
     * padding is named {@code padding@<index>}.
     */
    public String describe(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " outside the parameter buffer of " + size);
        }
        Tensor t = tensorAt(index);
        if (t == null) {
            return "padding@" + index;
        }
        long local = index - t.offset();
        if (t.shape().length == 2) {
            return t.name() + "[" + local / t.shape()[1] + "][" + local % t.shape()[1] + "]";
        }
        return t.name() + "[" + local + "]";
    }
}
