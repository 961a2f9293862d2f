package dev.ntm.engine;

import java.util.Objects;

/**
 * Immutable, validated configuration of a Neural Turing Machine (docs/SPEC.md section 1).
 *
 * <p>Build one with {@link #builder()}; {@link #copyTask()} gives the paper's copy configuration.
 */
public final class NtmConfig {

    /** Controller kind. */
    public enum Controller {
        /** LSTM layers (the default). */
        LSTM,
        /** Feedforward tanh layers; the reads carry the state. */
        FEEDFORWARD
    }

    /** How the initial memory is produced (docs/SPEC.md section 2). */
    public enum MemoryInit {
        /** A trained tensor starting at 1e-6 in every cell (the default). */
        CONSTANT,
        /** tanh of a trained tensor that starts N(0, 0.5). */
        LEARNED,
        /** tanh(N(0, 0.5)) drawn once at creation, then fixed. */
        RANDOM
    }

    /** Addressing mode: content only (w = wc), or content followed by location addressing. */
    public enum Addressing {
        /** Content addressing only: w = wc. */
        CONTENT,
        /** Content, then interpolation, shift and sharpening (the default). */
        CONTENT_LOCATION
    }

    private final int inputSize;
    private final int outputSize;
    private final int memoryRows;
    private final int memoryWidth;
    private final int readHeads;
    private final int writeHeads;
    private final int shiftRange;
    private final Controller controller;
    private final int layers;
    private final int hiddenSize;
    private final float clip;
    private final MemoryInit memoryInit;
    private final Addressing addressing;

    private NtmConfig(Builder b) {
        this.inputSize = b.inputSize;
        this.outputSize = b.outputSize;
        this.memoryRows = b.memoryRows;
        this.memoryWidth = b.memoryWidth;
        this.readHeads = b.readHeads;
        this.writeHeads = b.writeHeads;
        this.shiftRange = b.shiftRange;
        this.controller = b.controller;
        this.layers = b.layers;
        this.hiddenSize = b.hiddenSize;
        this.clip = b.clip;
        this.memoryInit = b.memoryInit;
        this.addressing = b.addressing;
        validate();
    }

    private void validate() {
        require(inputSize >= 1 && inputSize <= 1 << 16, "inputSize (X) must be in 1..65536", inputSize);
        require(outputSize >= 1 && outputSize <= 1 << 16, "outputSize (Y) must be in 1..65536", outputSize);
        require(memoryRows >= 1 && memoryRows <= 1 << 20, "memoryRows (N) must be in 1..1048576", memoryRows);
        require(memoryWidth >= 1 && memoryWidth <= 1 << 16, "memoryWidth (M) must be in 1..65536", memoryWidth);
        require(readHeads >= 1 && readHeads <= 64, "readHeads (R) must be in 1..64", readHeads);
        require(writeHeads >= 1 && writeHeads <= 64, "writeHeads (W) must be in 1..64", writeHeads);
        require(shiftRange >= 0 && 2 * shiftRange + 1 <= memoryRows,
                "shiftRange (S) must be >= 0 with 2S+1 <= memoryRows", shiftRange);
        require(layers >= 1 && layers <= 16, "layers (L) must be in 1..16", layers);
        require(hiddenSize >= 1 && hiddenSize <= 1 << 14, "hiddenSize (H) must be in 1..16384", hiddenSize);
        if (!(clip > 0) || Float.isInfinite(clip)) {
            throw new IllegalArgumentException("clip (C) must be a finite value > 0, got " + clip);
        }
        Objects.requireNonNull(controller, "controller must be LSTM or FEEDFORWARD");
        Objects.requireNonNull(memoryInit, "memoryInit must be CONSTANT, LEARNED or RANDOM");
        Objects.requireNonNull(addressing, "addressing must be CONTENT or CONTENT_LOCATION");
    }

    private static void require(boolean ok, String what, long got) {
        if (!ok) {
            throw new IllegalArgumentException(what + ", got " + got);
        }
    }

    /** A builder with the paper's copy configuration as defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The paper's copy configuration: X=9, Y=8, N=128, M=20, LSTM 100, 1 read and 1 write head. */
    public static NtmConfig copyTask() {
        return builder().build();
    }

    /** A builder initialised from this configuration. */
    public Builder toBuilder() {
        return new Builder().inputSize(inputSize).outputSize(outputSize).memory(memoryRows, memoryWidth)
                .readHeads(readHeads).writeHeads(writeHeads).shiftRange(shiftRange)
                .controller(controller).layers(layers).hiddenSize(hiddenSize).clip(clip)
                .memoryInit(memoryInit).addressing(addressing);
    }

    /** Input width X. */
    public int inputSize() { return inputSize; }
    /** Output width Y. */
    public int outputSize() { return outputSize; }
    /** Memory rows N. */
    public int memoryRows() { return memoryRows; }
    /** Memory width M. */
    public int memoryWidth() { return memoryWidth; }
    /** Read heads R. */
    public int readHeads() { return readHeads; }
    /** Write heads W. */
    public int writeHeads() { return writeHeads; }
    /** Total heads R + W (read heads first). */
    public int heads() { return readHeads + writeHeads; }
    /** Shift range S (2S+1 shifts). */
    public int shiftRange() { return shiftRange; }
    /** Number of shifts 2S+1. */
    public int shifts() { return 2 * shiftRange + 1; }
    /** Controller kind. */
    public Controller controller() { return controller; }
    /** Controller layers L. */
    public int layers() { return layers; }
    /** Controller hidden size H. */
    public int hiddenSize() { return hiddenSize; }
    /** Clip value C of head parameters and output logits. */
    public float clip() { return clip; }
    /** Initial memory mode. */
    public MemoryInit memoryInit() { return memoryInit; }
    /** Addressing mode. */
    public Addressing addressing() { return addressing; }

    /** Controller input size X + R*M. */
    public int controllerInputSize() { return inputSize + readHeads * memoryWidth; }

    /** Input size of controller layer l: X + R*M for layer 0, H after. */
    public int layerInputSize(int layer) { return layer == 0 ? controllerInputSize() : hiddenSize; }

    /** Head parameter count of a read head: k (M), beta, g, s (2S+1), gamma. */
    public int readHeadParams() { return memoryWidth + 3 + shifts(); }

    /** Head parameter count of a write head: a read head's, then e (M) and a (M). */
    public int writeHeadParams() { return readHeadParams() + 2 * memoryWidth; }

    /** Output layer input size H + R*M. */
    public int outputInputSize() { return hiddenSize + readHeads * memoryWidth; }

    @Override
    public boolean equals(Object o) {
        return o instanceof NtmConfig c && inputSize == c.inputSize && outputSize == c.outputSize
                && memoryRows == c.memoryRows && memoryWidth == c.memoryWidth && readHeads == c.readHeads
                && writeHeads == c.writeHeads && shiftRange == c.shiftRange && controller == c.controller
                && layers == c.layers && hiddenSize == c.hiddenSize
                && Float.floatToIntBits(clip) == Float.floatToIntBits(c.clip)
                && memoryInit == c.memoryInit && addressing == c.addressing;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputSize, outputSize, memoryRows, memoryWidth, readHeads, writeHeads, shiftRange,
                controller, layers, hiddenSize, clip, memoryInit, addressing);
    }

    @Override
    public String toString() {
        return "NtmConfig[X=" + inputSize + ", Y=" + outputSize + ", N=" + memoryRows + ", M=" + memoryWidth
                + ", R=" + readHeads + ", W=" + writeHeads + ", S=" + shiftRange + ", " + controller
                + " " + layers + "x" + hiddenSize + ", C=" + clip + ", memory " + memoryInit
                + ", addressing " + addressing + "]";
    }

    /** Mutable builder; {@link #build()} validates. Defaults: the paper's copy configuration. */
    public static final class Builder {
        private int inputSize = 9;
        private int outputSize = 8;
        private int memoryRows = 128;
        private int memoryWidth = 20;
        private int readHeads = 1;
        private int writeHeads = 1;
        private int shiftRange = 1;
        private Controller controller = Controller.LSTM;
        private int layers = 1;
        private int hiddenSize = 100;
        private float clip = 20f;
        private MemoryInit memoryInit = MemoryInit.CONSTANT;
        private Addressing addressing = Addressing.CONTENT_LOCATION;

        private Builder() {
        }

        /** Input size X (floats per step). */
        public Builder inputSize(int x) { this.inputSize = x; return this; }
        /** Output size Y (floats per step). */
        public Builder outputSize(int y) { this.outputSize = y; return this; }
        /** Memory of N = {@code rows} rows of M = {@code width} floats. */
        public Builder memory(int rows, int width) { this.memoryRows = rows; this.memoryWidth = width; return this; }
        /** Number of read heads R. */
        public Builder readHeads(int r) { this.readHeads = r; return this; }
        /** Number of write heads W. */
        public Builder writeHeads(int w) { this.writeHeads = w; return this; }
        /** Shift range S: shifts -S..S are allowed. */
        public Builder shiftRange(int s) { this.shiftRange = s; return this; }
        /** Controller kind. */
        public Builder controller(Controller c) { this.controller = c; return this; }
        /** Controller layers L. */
        public Builder layers(int l) { this.layers = l; return this; }
        /** Controller hidden size H (units per layer). */
        public Builder hiddenSize(int h) { this.hiddenSize = h; return this; }
        /** Clip value C of the head parameters and output logits. */
        public Builder clip(float c) { this.clip = c; return this; }
        /** How the initial memory is produced. */
        public Builder memoryInit(MemoryInit m) { this.memoryInit = m; return this; }
        /** Addressing mode. */
        public Builder addressing(Addressing a) { this.addressing = a; return this; }

        /** Validates and builds; throws {@link IllegalArgumentException} naming the bad field. */
        public NtmConfig build() {
            return new NtmConfig(this);
        }
    }
}
