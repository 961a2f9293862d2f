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
 * Vector and element-wise kernels, scalar against SIMD: level-1 BLAS, activations and their
 * backward passes, the loss, and the optimiser steps. Sizes: 400 (the LSTM gates of one step),
 * 12,800 (the gates of a batch of 32) and 65,536 (about the parameter count of the paper's copy
 * NTM, for the optimiser steps and gradient clipping over the flat buffer). The LSTM cell runs
 * n / 4 units, so its four gates span n floats (100 units, the paper's H, at n = 400).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchSupport.ADD_VECTOR_MODULE, BenchSupport.NATIVE_ACCESS})
@State(Scope.Thread)
public class ElementwiseBench {

    @Param({"scalar", "simd"})
    public String impl;

    @Param({"400", "12800", "65536"})
    public int n;

    private Kernels k;
    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment out;
    private MemorySegment dOut;
    private MemorySegment grad;
    private MemorySegment m1;
    private MemorySegment m2;
    private MemorySegment m3;
    private MemorySegment targets;
    /** LSTM cell activations of n / 4 units: gates [4h], c_prev, c, tanh(c), h. */
    private MemorySegment cellAct;
    /** LSTM cell gradients: dh, dc, dz [4h]. */
    private MemorySegment cellGrad;

    @Setup
    public void setup() {
        k = BenchSupport.kernels(impl);
        arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(2026);
        a = Buffers.allocate(arena, n);
        BenchSupport.fill(a, 0, n, rnd, -4, 4);
        b = Buffers.allocate(arena, n);
        BenchSupport.fill(b, 0, n, rnd, -1, 1);
        out = Buffers.allocate(arena, n);
        k.sigmoid(a, 0, out, 0, n);
        dOut = Buffers.allocate(arena, n);
        BenchSupport.fill(dOut, 0, n, rnd, -1e-3, 1e-3);
        grad = Buffers.allocate(arena, n);
        m1 = Buffers.allocate(arena, n);
        m2 = Buffers.allocate(arena, n);
        BenchSupport.fill(m2, 0, n, rnd, 1e-3, 1e-2);
        m3 = Buffers.allocate(arena, n);
        targets = Buffers.allocate(arena, n);
        for (int i = 0; i < n; i++) {
            Buffers.set(targets, i, rnd.nextBoolean() ? 1f : 0f);
        }
        int h = n / 4;
        cellAct = Buffers.allocate(arena, 8L * h);
        BenchSupport.fill(cellAct, 0, 4 * h, rnd, 0, 1);
        // forget gate at 1: dc = dc f leaves dc as it is, so repeated calls never reach subnormals
        for (int j = 0; j < h; j++) {
            Buffers.set(cellAct, h + j, 1f);
        }
        BenchSupport.fill(cellAct, 4 * h, h, rnd, -1, 1);
        k.lstmCellForward(cellAct, 0, 4L * h, 5L * h, 6L * h, 7L * h, h);
        cellGrad = Buffers.allocate(arena, 6L * h);
        BenchSupport.fill(cellGrad, 0, 2 * h, rnd, -1e-3, 1e-3);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float dot() {
        return k.dot(a, 0, b, 0, n);
    }

    @Benchmark
    public void axpy() {
        k.axpy(1e-7f, a, 0, grad, 0, n);
    }

    @Benchmark
    public double sumOfSquares() {
        return k.sumOfSquares(b, 0, n);
    }

    @Benchmark
    public void clamp() {
        k.clamp(b, 0, n, 0.5f);
    }

    @Benchmark
    public void sigmoid() {
        k.sigmoid(a, 0, out, 0, n);
    }

    @Benchmark
    public void tanh() {
        k.tanh(a, 0, m1, 0, n);
    }

    @Benchmark
    public void softplus() {
        k.softplus(a, 0, m1, 0, n);
    }

    @Benchmark
    public void sigmoidBackward() {
        k.sigmoidBackward(out, 0, dOut, 0, grad, 0, n);
    }

    @Benchmark
    public void tanhBackward() {
        k.tanhBackward(b, 0, dOut, 0, grad, 0, n);
    }

    @Benchmark
    public void softplusBackward() {
        k.softplusBackward(a, 0, dOut, 0, grad, 0, n);
    }

    @Benchmark
    public void softmax() {
        k.softmax(a, 0, m1, 0, n);
    }

    @Benchmark
    public void softmaxBackward() {
        k.softmaxBackward(out, 0, dOut, 0, grad, 0, n);
    }

    @Benchmark
    public void clip() {
        k.clip(a, 0, m1, 0, n, 2f);
    }

    @Benchmark
    public void clipBackward() {
        k.clipBackward(a, 0, m1, 0, n, 2f);
    }

    @Benchmark
    public double bceWithLogits() {
        return k.bceWithLogits(a, 0, targets, 0, grad, 0, n, 1e-6f);
    }

    @Benchmark
    public void lstmCellForward() {
        int h = n / 4;
        k.lstmCellForward(cellAct, 0, 4L * h, 5L * h, 6L * h, 7L * h, h);
    }

    @Benchmark
    public void lstmCellBackward() {
        int h = n / 4;
        k.lstmCellBackward(cellAct, 0, 6L * h, 4L * h, cellGrad, 0, h, 2L * h, h);
    }

    @Benchmark
    public void adam() {
        k.adam(m3, 0, dOut, 0, m1, 0, m2, 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.5f, 0.1f, 10f);
    }

    @Benchmark
    public void rmsprop() {
        k.rmsprop(m3, 0, dOut, 0, m2, 0, grad, 0, out, 0, n, 1e-4f, 0.95f, 0.9f, 1e-4f, 10f);
    }
}
