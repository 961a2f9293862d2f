package dev.ntm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.addressing.Addressing;
import dev.ntm.engine.addressing.HeadActivations;
import dev.ntm.engine.addressing.HeadSlots;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.engine.controller.LstmLayer;
import dev.ntm.engine.memory.Memory;
import dev.ntm.engine.memory.WriteSlots;
import dev.ntm.engine.util.Affine;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Bf16;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;

/**
 * The roofline of one inference step at batch 1, part by part: each part of the step (the
 * controller's gate product, its element-wise gates, the heads' product, their activations, row
 * norms, addressing, read, write, output) is timed on its own, through the engine's own units
 * called as {@code Stepper} calls them, on the paper's copy configuration, and set against its
 * FLOPs and bytes from {@link Roofline#inferenceTerms} and the core's peak. Each part alone keeps
 * its data, code and branch history hot; the same parts called one after another in one loop show
 * what they cost each other (the product's 206 KB of weights push the rest out of L1), and a whole
 * {@link NtmSession#step} against that shows what the engine spends between them (argument
 * checks, copies, dispatch).
 *
 * <p>Run with {@code bench/scripts/step-parts.sh} (one JVM, about a minute and a half). Each part: a warm-up
 * of {@code 3 x 200,000} calls, then the best of 7 windows of 200,000 calls, in ns per call. The
 * inputs are random but in each unit's domain (weightings that sum to 1, gates in (0, 1)).
 */
public final class StepParts {

    private static final int CALLS = 200_000;
    private static final int WINDOWS = 7;

    private StepParts() {
    }

    /** One part: its name, the roofline terms it covers, and the calls of one step. */
    private record Part(String name, Predicate<String> terms, Runnable step) {
    }

    /** Prints the table for the copy configuration with the provider's kernels. */
    public static void main(String[] args) {
        NtmConfig config = NtmConfig.copyTask();
        Kernels k = KernelProvider.get();
        Roofline.Peak peak = Roofline.detectPeak(1);
        try (Arena arena = Arena.ofShared()) {
            List<Part> parts = parts(config, k, arena);
            Map<String, Double> ns = new LinkedHashMap<>();
            for (Part p : parts) {
                ns.put(p.name(), time(p.step()));
            }
            List<Runnable> chain = new ArrayList<>();
            for (Part p : parts) {
                if (!p.name().contains("opt-in")) {
                    chain.add(p.step());
                }
            }
            double inSequence = time(() -> {
                for (Runnable r : chain) {
                    r.run();
                }
            });
            double whole = time(wholeStep(config, false));
            double wholeCompact = time(wholeStep(config, true));
            print(config, k, peak, parts, ns, inSequence, whole, wholeCompact);
        }
    }

    private static List<Part> parts(NtmConfig c, Kernels k, Arena arena) {
        int n = c.memoryRows();
        int m = c.memoryWidth();
        int h = c.hiddenSize();
        int in = c.layerInputSize(0) + h;
        int shiftRange = c.shiftRange();
        int reads = c.readHeads();
        int heads = c.heads();
        int readStride = Buffers.alignUp(c.readHeadParams());
        int writeStride = Buffers.alignUp(c.writeHeadParams());
        int headParams = reads * readStride + c.writeHeads() * writeStride;
        int gates = Buffers.alignUp(4 * h);
        SplitMix64 rng = new SplitMix64(42);

        // weights, transposed [in, out] as inference keeps them, and their bfloat16 copy
        MemorySegment wt = random(arena, (long) in * gates + gates, rng, 0.1);
        int gates16 = Bf16.pairedStride(gates);
        MemorySegment wt16 = arena.allocate(2L * in * gates16, 64);
        Bf16.narrowPaired(wt, 0, gates, wt16, 0, gates16, in, gates);
        MemorySegment bias16 = Buffers.allocate(arena, gates);
        MemorySegment.copy(wt, 4L * in * gates, bias16, 0, 4L * gates);
        MemorySegment compact = arena.allocate(wt16.byteSize() + bias16.byteSize(), 64);
        MemorySegment.copy(wt16, 0, compact, 0, wt16.byteSize());
        MemorySegment.copy(bias16, 0, compact, wt16.byteSize(), bias16.byteSize());
        long compactBias = wt16.byteSize() / Float.BYTES;
        MemorySegment hw = random(arena, (long) h * headParams + headParams, rng, 0.1);
        int yIn = c.outputInputSize();
        int y = c.outputSize();
        int yLd = Buffers.alignUp(y);
        MemorySegment ow = random(arena, (long) yIn * yLd + yLd, rng, 0.1);

        // the step's activations: one row, as the tape lays it out, and the memory
        long row = 0;
        long xcat = row;
        long gateRow = xcat + Buffers.alignUp(in);
        long cell = gateRow + gates;
        long tanhC = cell + Buffers.alignUp(h);
        long hOut = tanhC + Buffers.alignUp(h);
        long cPrev = hOut + Buffers.alignUp(h + reads * m);
        long pre = cPrev + Buffers.alignUp(h);
        long act = pre + headParams;
        long norms = act + headParams;
        long weights = norms + n;
        int ld = Buffers.alignUp(n);
        long wPrev = weights + 5L * heads * ld;
        long logits = wPrev + (long) heads * ld;
        long mem = logits + 2L * yLd;
        MemorySegment a = random(arena, mem + (long) m * ld, rng, 0.5);
        for (int hd = 0; hd < heads; hd++) {
            for (int i = 0; i < n; i++) {
                Buffers.set(a, wPrev + (long) hd * ld + i, 1f / n);
            }
        }

        LstmLayer lstm = new LstmLayer(k, c.layerInputSize(0), h);
        Memory memory = new Memory(k, n, m);
        Addressing addressing = new Addressing(k, n, m, memory.ld(), shiftRange,
                c.addressing() == NtmConfig.Addressing.CONTENT_LOCATION, arena);
        HeadActivations readAct = new HeadActivations(k, m, shiftRange, false, c.clip());
        HeadActivations writeAct = new HeadActivations(k, m, shiftRange, true, c.clip());
        long writeAt = act + (long) reads * readStride;
        WriteSlots writes = new WriteSlots(c.writeHeads(), wPrev + (long) reads * ld, ld,
                writeAt + HeadActivations.erase(m, shiftRange), writeAt + HeadActivations.add(m, shiftRange), writeStride);
        HeadSlots[] slots = new HeadSlots[heads];
        for (int hd = 0; hd < heads; hd++) {
            long o = hd < reads ? (long) hd * readStride : (long) reads * readStride + (long) (hd - reads) * writeStride;
            long wv = weights + 5L * hd * ld;
            slots[hd] = new HeadSlots(act + o, wv, wv + ld, wv + 2L * ld, wv + 3L * ld, wv + 4L * ld);
        }

        List<Part> parts = new ArrayList<>();
        parts.add(new Part("controller product (fp32)", t -> t.matches("controller\\.\\d+\\.(gemv|bias)"),
                () -> Affine.forward(k, wt, 0, gates, Affine.Form.TRANSPOSED, true, (long) in * gates, in, 4 * h, a,
                        xcat, 0, gateRow, 0, 1)));
        parts.add(new Part("controller product (bf16, opt-in)", t -> t.matches("controller\\.\\d+\\.(gemv|bias)"),
                () -> Affine.forward(k, compact, 0, gates16, Affine.Form.TRANSPOSED_BF16, true, compactBias, in, 4 * h,
                        a, xcat, 0, gateRow, 0, 1)));
        parts.add(new Part("controller gates and cell", t -> t.matches("controller\\.\\d+\\.(gates.*|cell|hidden)"),
                () -> {
                    k.sigmoid(a, gateRow, a, gateRow, 2 * h);
                    k.tanh(a, gateRow + 2L * h, a, gateRow + 2L * h, h);
                    k.sigmoid(a, gateRow + 3L * h, a, gateRow + 3L * h, h);
                    k.lstmCellForward(a, gateRow, cPrev, cell, tanhC, hOut, h);
                }));
        parts.add(new Part("heads product", t -> t.matches("head\\.\\d+\\.(gemv|bias)"),
                () -> Affine.forward(k, hw, 0, headParams, Affine.Form.TRANSPOSED, true, (long) h * headParams, h,
                        headParams, a, hOut, 0, pre, 0, 1)));
        parts.add(new Part("head activations", t -> t.matches("head\\.\\d+\\.(clip|key.*|beta.*|g\\..*|shift\\.softmax"
                + "|gamma.*|erase.*|add.*)"), () -> {
                    for (int hd = 0; hd < heads; hd++) {
                        long o = hd < reads ? (long) hd * readStride : (long) reads * readStride
                                + (long) (hd - reads) * writeStride;
                        (hd < reads ? readAct : writeAct).forward(a, pre + o, act + o);
                    }
                }));
        parts.add(new Part("memory row norms", t -> t.equals("memory.rowNorms"), () -> memory.rowNorms(a, mem, norms)));
        parts.add(new Part("addressing (all heads)", t -> t.matches("head\\.\\d+\\.(cosine|content|interpolate|shift"
                + "|sharpen)"), () -> {
                    for (int hd = 0; hd < heads; hd++) {
                        long o = hd < reads ? (long) hd * readStride : (long) reads * readStride
                                + (long) (hd - reads) * writeStride;
                        addressing.forward(a, 0, slots[hd], mem, norms, wPrev + (long) hd * ld);
                    }
                }));
        parts.add(new Part("read", t -> t.startsWith("read."), () -> {
            for (int r = 0; r < reads; r++) {
                memory.read(a, wPrev + (long) r * ld, mem, hOut + h + (long) r * m);
            }
        }));
        parts.add(new Part("write (erase and add)", t -> t.startsWith("write."),
                () -> memory.write(a, mem, mem, 0, writes)));
        parts.add(new Part("output", t -> t.startsWith("output."), () -> {
            Affine.forward(k, ow, 0, yLd, Affine.Form.TRANSPOSED, true, (long) yIn * yLd, yIn, y, a, hOut, 0, logits,
                    0, 1);
            k.clip(a, logits, a, logits + yLd, y, c.clip());
            k.sigmoid(a, logits + yLd, a, logits + yLd, y);
        }));
        return parts;
    }

    private static MemorySegment random(Arena arena, long floats, SplitMix64 rng, double scale) {
        MemorySegment s = Buffers.allocate(arena, floats);
        for (long i = 0; i < floats; i++) {
            Buffers.set(s, i, (float) ((rng.nextDouble() * 2 - 1) * scale + (scale == 0.5 ? 0.5 : 0)));
        }
        return s;
    }

    /** A whole session step of a fresh model, reset every 32 steps, inputs random bits. */
    private static Runnable wholeStep(NtmConfig config, boolean compactWeights) {
        NtmModel model = NtmModel.create(config, 42);
        NtmSession s = (compactWeights ? model.withCompactWeights() : model).newSession();
        float[][] inputs = new float[64][config.inputSize()];
        SplitMix64 rng = new SplitMix64(7);
        for (float[] x : inputs) {
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextBoolean() ? 1f : 0f;
            }
        }
        float[] out = new float[config.outputSize()];
        long[] step = {0};
        return () -> {
            if ((step[0] & 31) == 0) {
                s.reset();
            }
            s.step(inputs[(int) (step[0]++ & 63)], out);
        };
    }

    /** Best of {@link #WINDOWS} windows of {@link #CALLS} calls, ns per call, after a warm-up. */
    private static double time(Runnable r) {
        for (int i = 0; i < 3 * CALLS; i++) {
            r.run();
        }
        double best = Double.MAX_VALUE;
        for (int w = 0; w < WINDOWS; w++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                r.run();
            }
            best = Math.min(best, (System.nanoTime() - t0) / (double) CALLS);
        }
        return best;
    }

    private static void print(NtmConfig c, Kernels k, Roofline.Peak peak, List<Part> parts, Map<String, Double> ns,
                              double inSequence, double whole, double wholeCompact) {
        List<Roofline.Term> terms = Roofline.inferenceTerms(c);
        System.out.println("# One inference step at batch 1, part by part (" + c + ")");
        Fingerprint f = Fingerprint.capture(k, c);
        System.out.println("# " + f.cpuModel() + ", " + f.cores() + " cores; " + f.jdkVendor() + " " + f.jdkVersion()
                + "; kernels " + k + "; commit " + f.gitCommit() + "; flags " + String.join(" ", f.jvmFlags()));
        System.out.println("# " + peak.describe());
        System.out.println();
        System.out.println("| part | ns per step | share of the step | FLOPs | GFLOP/s | % of peak | bytes touched | GB/s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        double sum = 0;
        for (Part p : parts) {
            long flops = 0;
            long bytes = 0;
            for (Roofline.Term t : terms) {
                if (p.terms().test(t.name())) {
                    flops += t.flops();
                    bytes += t.bytes();
                }
            }
            if (p.name().contains("bf16")) {
                // two bytes a weight, over paired rows of whole groups of 32 columns
                int in = c.layerInputSize(0) + c.hiddenSize();
                bytes += (long) in * Bf16.pairedStride(Buffers.alignUp(4 * c.hiddenSize())) * 2 - (long) in * 4 * c.hiddenSize() * 4;
            }
            double t = ns.get(p.name());
            boolean optIn = p.name().contains("opt-in");
            if (!optIn) {
                sum += t;
            }
            System.out.printf(Locale.ROOT, "| %s | %.0f | %s | %,d | %.1f | %.1f%% | %,d | %.1f |%n", p.name(), t,
                    optIn ? "(instead of fp32)" : String.format(Locale.ROOT, "%.0f%%", 100 * t / whole), flops,
                    flops / t, 100 * flops / (t * 1e-9) / peak.flopsPerSecond(), bytes, bytes / t);
        }
        System.out.printf(Locale.ROOT, "| sum of the parts | %.0f | %.0f%% | | | | | |%n", sum, 100 * sum / whole);
        // the same calls one after another: the gap to the sum is what the parts lose to each
        // other (caches, branch and code working sets); the gap to the whole step is the engine's own
        System.out.printf(Locale.ROOT, "| the parts one after another, one loop | %.0f | %.0f%% | | | | | |%n", inSequence,
                100 * inSequence / whole);
        System.out.printf(Locale.ROOT, "| whole step (NtmSession.step, fp32) | %.0f | 100%% | %,d | %.1f | %.1f%% | | |%n",
                whole, (long) Roofline.inferenceStep(c).flops(), Roofline.inferenceStep(c).flops() / whole,
                100 * Roofline.inferenceStep(c).flops() / (whole * 1e-9) / peak.flopsPerSecond());
        System.out.printf(Locale.ROOT, "| whole step, compact weights (bf16) | %.0f | %.0f%% | | | | | |%n",
                wholeCompact, 100 * wholeCompact / whole);
    }
}
