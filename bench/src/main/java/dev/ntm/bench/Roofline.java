package dev.ntm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamLayout;

/**
 * Floating-point operations and bytes of one NTM step, counted from the configuration, and the
 * machine's peak FLOP/s, so that a measured time can be stated as a share of what the hardware
 * could do.
 *
 * <h2>Counting rules</h2>
 * Every matrix product, addressing operation and memory operation of docs/SPEC.md section 1 is counted
 * as the kernels of {@code dev.ntm.kernels.Kernels} compute it:
 * <ul>
 *   <li>a multiply-add is 2 FLOPs; an add, subtract, multiply, divide, min, max or comparison is
 *       1; negation and absolute value are free;</li>
 *   <li>an elementary function ({@code exp}, {@code log}, {@code tanh}, {@code sqrt}) is 1 FLOP,
 *       although it costs 10 to 20 instructions: the counts measure the model's arithmetic, not
 *       the instruction stream;</li>
 *   <li>composites follow from that: sigmoid {@code 1/(1+exp(-x))} = 3, softplus
 *       {@code log(1+exp(x))} = 3, {@code gamma = 1 + softplus} = 4, clip = 2 (min and max),
 *       softmax over n = 5n (max, subtract, exp, sum, divide), a matrix-vector product of
 *       {@code r x c} = 2rc;</li>
 *   <li>per-step scalar work (such as {@code 1 - g}) is counted where it appears, once.</li>
 * </ul>
 * The backward pass is counted from the formulas in the {@code Kernels} javadoc: a matrix product
 * costs twice its forward (the transposed product for the input gradient and the rank-1 update for
 * the weight gradient), element-wise derivatives 3 to 5 FLOPs per element, cosine similarity
 * {@code 6NM + 10N + 2M}, erase/add {@code 12NM} per write head. A training step is the forward
 * (with the BCE loss and its gradient in place of the output sigmoid, counted on every step, as
 * if every step were scored) plus the backward. Once-per-sequence work (initial state, zeroing)
 * and the optimiser (see {@link #optimizerStep}) are not part of a step.
 *
 * <h2>Bytes</h2>
 * Each kernel call is taken to read every operand once from memory and write every result once
 * (accumulated results are read and written): perfect reuse inside a kernel, none between
 * kernels. Floats are 4 bytes. This is the traffic a kernel-by-kernel implementation streams when
 * nothing stays in cache; at the paper's sizes everything fits in L2, so the byte counts say how
 * much data the step touches, not what DRAM sees. In a batched training step the parameter
 * traffic (weights, biases, their gradients) is counted once per batch step, the rest per sequence.
 */
public final class Roofline {

    private static final int F = Float.BYTES;

    private Roofline() {
    }

    /** FLOPs and bytes of some piece of work. */
    public record Cost(double flops, double bytes) {
        /** Arithmetic intensity, FLOPs per byte. */
        public double intensity() {
            return bytes == 0 ? 0 : flops / bytes;
        }

        /** This cost repeated {@code times} times. */
        public Cost times(double times) {
            return new Cost(flops * times, bytes * times);
        }

        /** The sum of this cost and {@code other}. */
        public Cost plus(Cost other) {
            return new Cost(flops + other.flops, bytes + other.bytes);
        }
    }

    /** One named term of a count: its FLOPs, and its bytes split into parameter and other traffic. */
    public record Term(String name, long flops, long parameterBytes, long otherBytes) {
        /** All bytes of this term. */
        public long bytes() {
            return parameterBytes + otherBytes;
        }
    }

    /** Optimisers whose per-parameter step can be counted. */
    public enum Optimizer {
        /**
         * 14 FLOPs per parameter (first moment 3, second moment 4, update 7 with two divisions by
         * the bias corrections and one square root); reads p, g, m, v and writes p, m, v.
         */
        ADAM(14, 7),
        /**
         * 16 FLOPs per parameter (Graves 2013: squared mean 4, mean 3, delta 8, update 1); reads
         * p, g, n, gbar, delta and writes p, n, gbar, delta.
         */
        RMSPROP(16, 9);

        final int flopsPerParameter;
        final int floatsPerParameter;

        Optimizer(int flopsPerParameter, int floatsPerParameter) {
            this.flopsPerParameter = flopsPerParameter;
            this.floatsPerParameter = floatsPerParameter;
        }
    }

    // ------------------------------------------------------------------ public counts

    /** Cost of one inference step at batch 1 (forward, output probabilities). */
    public static Cost inferenceStep(NtmConfig config) {
        return total(inferenceTerms(config), 1);
    }

    /** Cost of one training step of one sequence (batch 1): forward with the loss, then backward. */
    public static Cost trainingStep(NtmConfig config) {
        return trainingStep(config, 1);
    }

    /**
     * Cost of one time step of a batch of {@code batch} sequences, forward and backward: FLOPs
     * times the batch, parameter traffic once.
     */
    public static Cost trainingStep(NtmConfig config, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        return total(trainingTerms(config), batch);
    }

    /** Cost of one optimiser update over all trainable parameters. */
    public static Cost optimizerStep(NtmConfig config, Optimizer optimizer) {
        long n = 0;
        for (ParamLayout.Tensor t : ParamLayout.of(config).tensors()) {
            if (t.trainable()) {
                n += t.size();
            }
        }
        return new Cost((double) n * optimizer.flopsPerParameter, (double) n * optimizer.floatsPerParameter * F);
    }

    /** The named terms of an inference step, in execution order. */
    public static List<Term> inferenceTerms(NtmConfig config) {
        Counter k = new Counter();
        forward(config, k, false);
        return k.terms();
    }

    /** The named terms of a training step (forward with loss, then backward), in execution order. */
    public static List<Term> trainingTerms(NtmConfig config) {
        Counter k = new Counter();
        forward(config, k, true);
        backward(config, k);
        return k.terms();
    }

    private static Cost total(List<Term> terms, int batch) {
        double flops = 0;
        double bytes = 0;
        for (Term t : terms) {
            flops += (double) t.flops() * batch;
            bytes += t.parameterBytes() + (double) t.otherBytes() * batch;
        }
        return new Cost(flops, bytes);
    }

    // ------------------------------------------------------------------ forward

    private static void forward(NtmConfig c, Counter k, boolean training) {
        int h = c.hiddenSize();
        int n = c.memoryRows();
        int m = c.memoryWidth();
        int shifts = c.shifts();
        for (int l = 0; l < c.layers(); l++) {
            int in = c.layerInputSize(l);
            String p = "controller." + l + ".";
            if (c.controller() == NtmConfig.Controller.LSTM) {
                k.matvec(p + "gemv", 4 * h, in + h);
                k.bias(p + "bias", 4 * h);
                k.elementwise(p + "gates.sigmoid", 3 * h, 3, 1, 1);
                k.elementwise(p + "gates.tanh", h, 1, 1, 1);
                // c = f*c_prev + i*g (a multiply and a multiply-add); h = o*tanh(c)
                k.elementwise(p + "cell", h, 3, 4, 1);
                k.elementwise(p + "hidden", h, 2, 2, 1);
            } else {
                k.matvec(p + "gemv", h, in);
                k.bias(p + "bias", h);
                k.elementwise(p + "tanh", h, 1, 1, 1);
            }
        }
        for (int hd = 0; hd < c.heads(); hd++) {
            boolean write = hd >= c.readHeads();
            String p = "head." + hd + ".";
            int params = write ? c.writeHeadParams() : c.readHeadParams();
            k.matvec(p + "gemv", params, h);
            k.bias(p + "bias", params);
            k.elementwise(p + "clip", params, 2, 1, 1);
            k.elementwise(p + "key.tanh", m, 1, 1, 1);
            k.elementwise(p + "beta.softplus", 1, 3, 1, 1);
            k.elementwise(p + "g.sigmoid", 1, 3, 1, 1);
            k.elementwise(p + "shift.softmax", shifts, 5, 1, 1);
            k.elementwise(p + "gamma.softplus", 1, 4, 1, 1);
            if (write) {
                k.elementwise(p + "erase.sigmoid", m, 3, 1, 1);
                k.elementwise(p + "add.tanh", m, 1, 1, 1);
            }
        }
        // Row norms of M_{t-1}: one multiply-add per cell and a square root per row, shared by all heads.
        k.other("memory.rowNorms", 2L * n * m + n, (long) n * m + n);
        for (int hd = 0; hd < c.heads(); hd++) {
            String p = "head." + hd + ".";
            // Key norm (2M + 1), dot per row (2NM), denominator |k||M(i)| + eps (2N), division (N).
            k.other(p + "cosine", 2L * n * m + 3L * n + 2L * m + 1, (long) n * m + n + m + n);
            // beta * K(i), then softmax.
            k.other(p + "content", 6L * n, 2L * n);
            if (c.addressing() == NtmConfig.Addressing.CONTENT_LOCATION) {
                k.other(p + "interpolate", 3L * n + 1, 3L * n);
                k.other(p + "shift", 2L * n * shifts, 2L * n + shifts);
                // Softmax of gamma * log(ws + eps): add, log, multiply, then 5 per element.
                k.other(p + "sharpen", 8L * n, 2L * n);
            }
        }
        for (int r = 0; r < c.readHeads(); r++) {
            k.other("read." + r, 2L * n * m, (long) n * m + n + m);
        }
        for (int w = 0; w < c.writeHeads(); w++) {
            // M (1 - w e) + w a per cell: w*e, 1 - that, multiply, multiply-add = 5 FLOPs.
            k.other("write." + w, 5L * n * m, 2L * n * m + n + 2L * m);
        }
        int y = c.outputSize();
        k.matvec("output.gemv", y, c.outputInputSize());
        k.bias("output.bias", y);
        k.elementwise("output.clip", y, 2, 1, 1);
        if (training) {
            // Stable BCE max(y,0) - y t + log(1 + exp(-|y|)) (7) and its gradient sigmoid(y) - t
            // scaled and accumulated (5).
            k.elementwise("loss.bce", y, 12, 2, 1);
        } else {
            k.elementwise("output.sigmoid", y, 3, 1, 1);
        }
    }

    // ------------------------------------------------------------------ backward

    private static void backward(NtmConfig c, Counter k) {
        int h = c.hiddenSize();
        int n = c.memoryRows();
        int m = c.memoryWidth();
        int shifts = c.shifts();
        int y = c.outputSize();
        k.elementwise("output.clip.backward", y, 1, 2, 1);
        k.biasBackward("output.bias.backward", y);
        k.matvecBackward("output.gemv.backward", y, c.outputInputSize());
        for (int w = c.writeHeads() - 1; w >= 0; w--) {
            // Per cell: dM_in = dM_out (1 - w e) (3), dw += dM_out (a - M e) (4),
            // de -= dM_out M w (3), da += dM_out w (2).
            k.other("write." + w + ".backward", 12L * n * m, 3L * n * m + 3L * (n + 2L * m));
        }
        for (int r = 0; r < c.readHeads(); r++) {
            k.other("read." + r + ".backward", 4L * n * m, 3L * n * m + 3L * n + m);
        }
        for (int hd = c.heads() - 1; hd >= 0; hd--) {
            boolean write = hd >= c.readHeads();
            String p = "head." + hd + ".";
            if (c.addressing() == NtmConfig.Addressing.CONTENT_LOCATION) {
                // z = w (dw - w.dw) (4N), dws += gamma z / (ws + eps) (4N), dgamma (3N).
                k.other(p + "sharpen.backward", 11L * n, 5L * n);
                k.other(p + "shift.backward", 4L * n * shifts, 5L * n + 3L * shifts);
                // dwc += g dwg, dwPrev += (1-g) dwg, dg = sum dwg (wc - wPrev).
                k.other(p + "interpolate.backward", 7L * n, 7L * n);
            }
            // z = w (dw - w.dw) (4N), dsim += beta z (2N), dbeta (2N).
            k.other(p + "content.backward", 8L * n, 5L * n);
            // Per-row coefficients (about 10N), dk (2NM + 2M), dM (4NM).
            k.other(p + "cosine.backward", 6L * n * m + 10L * n + 2L * m,
                    3L * n * m + 3L * n + 3L * m);
            int params = write ? c.writeHeadParams() : c.readHeadParams();
            if (write) {
                k.elementwise(p + "add.tanh.backward", m, 4, 2, 2);
                k.elementwise(p + "erase.sigmoid.backward", m, 4, 2, 2);
            }
            k.elementwise(p + "gamma.softplus.backward", 1, 5, 2, 2);
            k.elementwise(p + "shift.softmax.backward", shifts, 5, 2, 2);
            k.elementwise(p + "g.sigmoid.backward", 1, 4, 2, 2);
            k.elementwise(p + "beta.softplus.backward", 1, 5, 2, 2);
            k.elementwise(p + "key.tanh.backward", m, 4, 2, 2);
            k.elementwise(p + "clip.backward", params, 1, 2, 1);
            k.biasBackward(p + "bias.backward", params);
            k.matvecBackward(p + "gemv.backward", params, h);
        }
        for (int l = c.layers() - 1; l >= 0; l--) {
            int in = c.layerInputSize(l);
            String p = "controller." + l + ".";
            if (c.controller() == NtmConfig.Controller.LSTM) {
                // do, d tanh(c) (2), dc (4), df, dc_prev, di, dg (4), gate derivatives
                // (3 sigmoid at 3 each, tanh 3): 22 FLOPs per unit.
                k.elementwise(p + "cell.backward", h, 22, 9, 5);
                k.biasBackward(p + "bias.backward", 4 * h);
                k.matvecBackward(p + "gemv.backward", 4 * h, in + h);
            } else {
                k.elementwise(p + "tanh.backward", h, 3, 2, 1);
                k.biasBackward(p + "bias.backward", h);
                k.matvecBackward(p + "gemv.backward", h, in);
            }
        }
    }

    /** Accumulates named terms; its helpers encode the byte rule stated on the class. */
    private static final class Counter {
        private final List<Term> terms = new ArrayList<>();

        List<Term> terms() {
            return Collections.unmodifiableList(terms);
        }

        /** y = W x: 2rc FLOPs; reads W (parameters) and x, writes y. */
        void matvec(String name, int rows, int cols) {
            terms.add(new Term(name, 2L * rows * cols, (long) rows * cols * F, ((long) cols + rows) * F));
        }

        /** y += b: one add per element; reads b (parameters), reads and writes y. */
        void bias(String name, int n) {
            terms.add(new Term(name, n, (long) n * F, 2L * n * F));
        }

        /** db += dy: one add per element; reads dy, reads and writes db (parameters). */
        void biasBackward(String name, int n) {
            terms.add(new Term(name, n, 2L * n * F, (long) n * F));
        }

        /**
         * dx += W^T dy (2rc) and dW += dy x^T (2rc): reads W, reads and writes dW (parameters),
         * reads dy and x, reads and writes dx.
         */
        void matvecBackward(String name, int rows, int cols) {
            terms.add(new Term(name, 4L * rows * cols, 3L * rows * cols * F,
                    (2L * rows + 3L * cols) * F));
        }

        /** n elements, each {@code flops} FLOPs, {@code reads} floats read and {@code writes} written. */
        void elementwise(String name, int n, int flops, int reads, int writes) {
            terms.add(new Term(name, (long) n * flops, 0, (long) n * (reads + writes) * F));
        }

        /** A term given as totals: FLOPs and floats moved (none of them parameters). */
        void other(String name, long flops, long floats) {
            terms.add(new Term(name, flops, 0, floats * F));
        }
    }

    // ------------------------------------------------------------------ peak

    /**
     * The machine's peak single-precision FLOP/s under stated assumptions:
     * {@code cores * clock * fmaUnits * 2 * (min(vectorBits, fmaWidthBits) / 32)}.
     *
     * @param vectorBits   widest vector the CPU offers (512 with AVX-512, 256 with AVX2, ...)
     * @param fmaWidthBits width of one FMA unit's datapath (512-bit instructions on a 256-bit
     *                     datapath run as two halves, as on AMD Zen 4)
     * @param fmaUnits     FMA units per core that can issue every cycle
     * @param clockMHz     clock in MHz
     * @param cores        cores the measurement uses
     * @param assumptions  where each figure came from, one clause per figure
     */
    public record Peak(int vectorBits, int fmaWidthBits, int fmaUnits, double clockMHz, int cores,
                       String assumptions) {

        /** Validates the figures. */
        public Peak {
            if (vectorBits < 32 || fmaWidthBits < 32 || fmaUnits < 1 || !(clockMHz > 0) || cores < 1) {
                throw new IllegalArgumentException("peak figures must be positive (vector and FMA widths >= 32 "
                        + "bits): vectorBits=" + vectorBits + ", fmaWidthBits=" + fmaWidthBits + ", fmaUnits="
                        + fmaUnits + ", clockMHz=" + clockMHz + ", cores=" + cores);
            }
        }

        /** Single-precision FLOPs per cycle and core: an FMA is 2 FLOPs per lane. */
        public double flopsPerCycle() {
            return fmaUnits * 2.0 * (Math.min(vectorBits, fmaWidthBits) / 32);
        }

        /** Peak FLOP/s over all cores used. */
        public double flopsPerSecond() {
            return flopsPerCycle() * clockMHz * 1e6 * cores;
        }

        /** The same machine with a different core count. */
        public Peak withCores(int newCores) {
            return new Peak(vectorBits, fmaWidthBits, fmaUnits, clockMHz, newCores, assumptions);
        }

        /** One line: the peak and how it was derived. */
        public String describe() {
            return String.format(Locale.ROOT,
                    "peak %.1f GFLOP/s = %d core(s) x %.0f MHz x %d FMA unit(s) x 2 x %d fp32 lanes (%s)",
                    flopsPerSecond() / 1e9, cores, clockMHz, fmaUnits, Math.min(vectorBits, fmaWidthBits) / 32,
                    assumptions);
        }
    }

    /** System property that overrides the clock (MHz) used for the peak. */
    public static final String CLOCK_PROPERTY = "ntm.bench.clockMHz";
    /** System property that overrides the FMA units per core. */
    public static final String FMA_UNITS_PROPERTY = "ntm.bench.fmaUnits";
    /** System property that overrides the FMA datapath width in bits. */
    public static final String FMA_BITS_PROPERTY = "ntm.bench.fmaBits";

    /** The peak of this machine, from /proc/cpuinfo and the override properties. */
    public static Peak detectPeak(int cores) {
        List<String> cpuinfo;
        try {
            cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            cpuinfo = List.of();
        }
        return peakFrom(cpuinfo, System.getProperty("os.arch", "unknown"), cores,
                System.getProperty(CLOCK_PROPERTY), System.getProperty(FMA_UNITS_PROPERTY),
                System.getProperty(FMA_BITS_PROPERTY));
    }

    /**
     * The peak from the lines of a /proc/cpuinfo and optional overrides (null when absent).
     * Defaults: vector width from the flags (avx512f 512, avx2 256, otherwise 128); 2 FMA units
     * on x86 with AVX2 or AVX-512 (and on anything else), each as wide as the vectors, except AMD
     * family 25 (Zen 3 and Zen 4), whose FMA datapaths are 256 bits; the clock is the first
     * {@code cpu MHz} line (the clock when it was read, which is neither the turbo maximum nor the
     * all-core AVX-512 clock), 2000 MHz when there is none. Every default says so in the
     * assumptions.
     */
    static Peak peakFrom(List<String> cpuinfo, String arch, int cores, String clockOverride,
                         String fmaUnitsOverride, String fmaBitsOverride) {
        String flags = field(cpuinfo, "flags");
        String vendor = field(cpuinfo, "vendor_id");
        String family = field(cpuinfo, "cpu family");
        String mhz = field(cpuinfo, "cpu MHz");
        List<String> notes = new ArrayList<>();

        int vectorBits;
        if (flags != null && (" " + flags + " ").contains(" avx512f ")) {
            vectorBits = 512;
            notes.add("512-bit vectors (avx512f)");
        } else if (flags != null && (" " + flags + " ").contains(" avx2 ")) {
            vectorBits = 256;
            notes.add("256-bit vectors (avx2)");
        } else {
            vectorBits = 128;
            notes.add("128-bit vectors assumed (" + arch + ", no avx2/avx512f flag)");
        }

        int fmaBits = vectorBits;
        if ("AuthenticAMD".equals(vendor) && "25".equals(family) && vectorBits > 256) {
            fmaBits = 256;
            notes.add("256-bit FMA datapaths (AMD family 25 splits 512-bit operations in two)");
        }
        if (fmaBitsOverride != null) {
            fmaBits = parsePositiveInt(fmaBitsOverride, FMA_BITS_PROPERTY);
            notes.add(fmaBits + "-bit FMA datapaths (" + FMA_BITS_PROPERTY + ")");
        }

        int units = 2;
        if (fmaUnitsOverride != null) {
            units = parsePositiveInt(fmaUnitsOverride, FMA_UNITS_PROPERTY);
            notes.add(units + " FMA unit(s) per core (" + FMA_UNITS_PROPERTY + ")");
        } else {
            notes.add("2 FMA units per core assumed");
        }

        double clock;
        if (clockOverride != null) {
            clock = parsePositiveDouble(clockOverride, CLOCK_PROPERTY);
            notes.add("clock " + clockOverride + " MHz (" + CLOCK_PROPERTY + ")");
        } else if (mhz != null) {
            clock = parsePositiveDouble(mhz, "/proc/cpuinfo cpu MHz");
            notes.add("clock from /proc/cpuinfo cpu MHz, not the turbo or AVX clock");
        } else {
            clock = 2000;
            notes.add("clock unknown, 2000 MHz assumed (set " + CLOCK_PROPERTY + ")");
        }
        return new Peak(vectorBits, fmaBits, units, clock, cores, String.join("; ", notes));
    }

    /**
     * The measured share of peak: {@code flops / seconds / peak FLOP/s}, for example the FLOPs of
     * one step over the measured time of one step.
     */
    public static double shareOfPeak(double flops, double seconds, Peak peak) {
        if (!(seconds > 0) || !(flops >= 0)) {
            throw new IllegalArgumentException("share of peak needs flops >= 0 and seconds > 0, got flops="
                    + flops + ", seconds=" + seconds);
        }
        return flops / seconds / peak.flopsPerSecond();
    }

    private static String field(List<String> lines, String key) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static int parsePositiveInt(String text, String what) {
        try {
            int v = Integer.parseInt(text.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be a positive integer, got '" + text + "'");
    }

    private static double parsePositiveDouble(String text, String what) {
        try {
            double v = Double.parseDouble(text.trim());
            if (v > 0 && Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be a positive number, got '" + text + "'");
    }
}
