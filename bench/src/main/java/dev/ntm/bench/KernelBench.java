package dev.ntm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The addressing and memory kernels, scalar against SIMD, at the NTM's memory shapes: the paper's
 * N = 128 rows by M = 20 columns and a large N = 1024 by M = 64. The memory is column-major with
 * the column stride rounded up to 16 floats, as the engine stores it.
 *
 * <p>{@link #contentAddressing} is one step's content addressing for a read and a write head:
 * the row norms once, then per head the cosine similarity and the key-strength softmax.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchSupport.ADD_VECTOR_MODULE, BenchSupport.NATIVE_ACCESS})
@State(Scope.Thread)
public class KernelBench {

    /** Heads addressed per step in {@link #contentAddressing}: one read and one write head. */
    static final int HEADS = 2;
    static final int SHIFT_RANGE = 1;

    @Param({"scalar", "simd"})
    public String impl;

    /** Memory rows x columns. */
    @Param({"128x20", "1024x64"})
    public String memory;

    private Kernels k;
    private Arena arena;
    private int n;
    private int m;
    private int ld;
    private float beta;
    private float gamma;
    private float g;
    private float keyNorm;

    private MemorySegment mem;
    private MemorySegment memOut;
    private MemorySegment dMemOut;
    private MemorySegment dMemIn;
    private MemorySegment dmem;
    private MemorySegment norms;
    private MemorySegment keys;
    private MemorySegment dkey;
    private MemorySegment sim;
    private MemorySegment dsim;
    private MemorySegment wc;
    private MemorySegment wPrev;
    private MemorySegment wg;
    private MemorySegment ws;
    private MemorySegment w;
    private MemorySegment dw;
    private MemorySegment dwa;
    private MemorySegment dwb;
    private MemorySegment s;
    private MemorySegment ds;
    private MemorySegment erase;
    private MemorySegment add;
    private MemorySegment dr;
    private MemorySegment r;
    private MemorySegment de;
    private MemorySegment da;

    @Setup
    public void setup() {
        k = BenchSupport.kernels(impl);
        int[] nm = BenchSupport.shape(memory);
        n = nm[0];
        m = nm[1];
        ld = Buffers.alignUp(n);
        arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(2024);
        long cells = (long) m * ld;
        mem = Buffers.allocate(arena, cells);
        BenchSupport.fill(mem, 0, (int) cells, rnd, -1, 1);
        memOut = Buffers.allocate(arena, cells);
        dMemOut = Buffers.allocate(arena, cells);
        BenchSupport.fill(dMemOut, 0, (int) cells, rnd, -1, 1);
        dMemIn = Buffers.allocate(arena, cells);
        dmem = Buffers.allocate(arena, cells);
        norms = Buffers.allocate(arena, n);
        k.rowNorms(mem, 0, n, m, ld, norms, 0);
        int mPad = Buffers.alignUp(m);
        keys = Buffers.allocate(arena, (long) HEADS * mPad);
        BenchSupport.fill(keys, 0, HEADS * mPad, rnd, -1, 1);
        dkey = Buffers.allocate(arena, m);
        sim = Buffers.allocate(arena, n);
        keyNorm = k.cosineSimilarity(keys, 0, mem, 0, n, m, ld, norms, 0, sim, 0);
        dsim = Buffers.allocate(arena, n);
        beta = 7.5f;
        gamma = 2.5f;
        g = 0.8f;
        int nPad = Buffers.alignUp(n);
        wc = Buffers.allocate(arena, (long) HEADS * nPad);
        k.contentWeighting(sim, 0, beta, wc, 0, n);
        wPrev = Buffers.allocate(arena, nPad);
        BenchSupport.fillWeighting(wPrev, 0, n, rnd);
        wg = Buffers.allocate(arena, nPad);
        k.interpolate(wc, 0, wPrev, 0, g, wg, 0, n);
        s = Buffers.allocate(arena, 2 * SHIFT_RANGE + 1);
        BenchSupport.fillWeighting(s, 0, 2 * SHIFT_RANGE + 1, rnd);
        ds = Buffers.allocate(arena, 2 * SHIFT_RANGE + 1);
        ws = Buffers.allocate(arena, nPad);
        k.shift(wg, 0, s, 0, SHIFT_RANGE, ws, 0, n);
        w = Buffers.allocate(arena, nPad);
        k.sharpen(ws, 0, gamma, w, 0, n);
        dw = Buffers.allocate(arena, nPad);
        BenchSupport.fill(dw, 0, n, rnd, -1, 1);
        dwa = Buffers.allocate(arena, nPad);
        dwb = Buffers.allocate(arena, nPad);
        erase = Buffers.allocate(arena, mPad);
        BenchSupport.fill(erase, 0, m, rnd, 0.05, 0.95);
        add = Buffers.allocate(arena, mPad);
        BenchSupport.fill(add, 0, m, rnd, -1, 1);
        de = Buffers.allocate(arena, mPad);
        da = Buffers.allocate(arena, mPad);
        r = Buffers.allocate(arena, mPad);
        dr = Buffers.allocate(arena, mPad);
        BenchSupport.fill(dr, 0, m, rnd, -1, 1);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    // ---------------------------------------------------------------- content addressing

    @Benchmark
    public void rowNorms() {
        k.rowNorms(mem, 0, n, m, ld, norms, 0);
    }

    @Benchmark
    public float cosineSimilarity() {
        return k.cosineSimilarity(keys, 0, mem, 0, n, m, ld, norms, 0, sim, 0);
    }

    @Benchmark
    public void contentWeighting() {
        k.contentWeighting(sim, 0, beta, wc, 0, n);
    }

    /** One step of content addressing for {@value #HEADS} heads; the target is SIMD >= 6x scalar. */
    @Benchmark
    public void contentAddressing() {
        k.rowNorms(mem, 0, n, m, ld, norms, 0);
        int mPad = Buffers.alignUp(m);
        int nPad = Buffers.alignUp(n);
        for (int h = 0; h < HEADS; h++) {
            k.cosineSimilarity(keys, (long) h * mPad, mem, 0, n, m, ld, norms, 0, sim, 0);
            k.contentWeighting(sim, 0, beta, wc, (long) h * nPad, n);
        }
    }

    @Benchmark
    public void cosineSimilarityBackward() {
        k.cosineSimilarityBackward(keys, 0, keyNorm, mem, 0, n, m, ld, norms, 0, sim, 0, dw, 0, dkey, 0, dmem, 0);
    }

    @Benchmark
    public float contentWeightingBackward() {
        return k.contentWeightingBackward(sim, 0, beta, wc, 0, dw, 0, dsim, 0, n);
    }

    // ---------------------------------------------------------------- location addressing

    @Benchmark
    public void interpolate() {
        k.interpolate(wc, 0, wPrev, 0, g, wg, 0, n);
    }

    @Benchmark
    public float interpolateBackward() {
        return k.interpolateBackward(wc, 0, wPrev, 0, g, dw, 0, dwa, 0, dwb, 0, n);
    }

    @Benchmark
    public void shift() {
        k.shift(wg, 0, s, 0, SHIFT_RANGE, ws, 0, n);
    }

    @Benchmark
    public void shiftBackward() {
        k.shiftBackward(wg, 0, s, 0, SHIFT_RANGE, dw, 0, dwa, 0, ds, 0, n);
    }

    @Benchmark
    public void sharpen() {
        k.sharpen(ws, 0, gamma, w, 0, n);
    }

    @Benchmark
    public float sharpenBackward() {
        return k.sharpenBackward(ws, 0, gamma, w, 0, dw, 0, dwa, 0, n);
    }

    // ---------------------------------------------------------------- memory read and write

    @Benchmark
    public void read() {
        k.read(w, 0, mem, 0, n, m, ld, r, 0);
    }

    @Benchmark
    public void readBackward() {
        k.readBackward(w, 0, mem, 0, n, m, ld, dr, 0, dwa, 0, dmem, 0);
    }

    @Benchmark
    public void eraseAdd() {
        k.eraseAdd(mem, 0, memOut, 0, n, m, ld, 1, w, 0, 0, erase, 0, 0, add, 0, 0);
    }

    @Benchmark
    public void eraseAddBackward() {
        k.eraseAddBackward(mem, 0, dMemOut, 0, dMemIn, 0, n, m, ld, 1, w, 0, 0, erase, 0, 0, add, 0, 0,
                dwa, 0, de, 0, da, 0);
    }
}
