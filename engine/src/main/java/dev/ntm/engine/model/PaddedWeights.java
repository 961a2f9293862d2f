package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The weight matrices of the LSTM, head and output layers with their rows padded to whole
 * vectors, for the passes that read them row by row.
 *
 * <p>The parameter layout stores each weight as {@code [out, in]} row-major, and {@code in} is
 * rarely a multiple of the vector length (129 for the copy task's LSTM, 100 for the heads, 120 for
 * the output): every row then starts at an address that is not vector-aligned, so each 64-byte load
 * straddles two cache lines, and the last {@code in mod 16} columns need a scalar tail. The
 * products that walk W by rows -- the backward pass's input gradient {@code dx += W^T dy} and
 * weight gradient {@code dW += dy x^T}, and a single sequence's forward {@code y = W x} -- run here
 * over padded copies instead, {@code [out, ld]} with {@code ld = alignUp(in)}: a copy of W (and
 * its bias) refreshed at every pass, and an accumulator for dW that is added into the real
 * gradient once per pass. The padding columns of W are zero, so they add exact zeros to y and to
 * the padding of dx; the padding columns of the dW accumulator collect whatever the padding of x
 * holds and are never copied out. (The tape pads every field to whole vectors, so all of these
 * stay inside their rows.)
 *
 * <p>Matrices are numbered: LSTM layers first, then the heads (read heads first), then the output.
 */
final class PaddedWeights {

    private final Kernels k;
    private final long[] paramOffset;
    private final long[] biasOffset;
    private final int[] rows;
    private final int[] cols;
    private final int[] ld;
    private final long[] at;
    private final long[] biasAt;
    private final int layers;
    private final int heads;
    private final MemorySegment weights;
    private final MemorySegment gradients;
    /** True when every dW accumulator is zero: drained by the last pass and not written since. */
    private boolean drained;
    /** The padded weights as the forward pass finds them (one sequence at a time). */
    final ForwardWeights forward;

    PaddedWeights(Stepper s, Arena arena) {
        Tape t = s.tape;
        this.k = s.k;
        this.layers = t.lstm ? t.layers : 0;
        this.heads = t.heads;
        int n = layers + heads + 1;
        paramOffset = new long[n];
        biasOffset = new long[n];
        rows = new int[n];
        cols = new int[n];
        ld = new int[n];
        at = new long[n];
        biasAt = new long[n];
        for (int l = 0; l < layers; l++) {
            set(l, s.layerW[l], s.layerB[l], 4 * t.hidden, t.inSize[l] + t.hidden);
        }
        for (int h = 0; h < heads; h++) {
            set(layers + h, s.headW[h], s.headB[h], h < t.reads ? s.config.readHeadParams() : s.config.writeHeadParams(),
                    t.hidden);
        }
        set(n - 1, s.outW, s.outB, t.y, t.hidden + t.reads * t.m);
        long next = 0;
        for (int i = 0; i < n; i++) {
            ld[i] = Buffers.alignUp(cols[i]);
            at[i] = next;
            next += Buffers.alignUp((long) rows[i] * ld[i]);
            biasAt[i] = next;
            next += Buffers.alignUp((long) rows[i]);
        }
        this.weights = Buffers.allocate(arena, next);
        this.gradients = Buffers.allocate(arena, next);
        this.forward = t.lstm ? ForwardWeights.padded(s, this) : null;
    }

    private void set(int i, long w, long b, int r, int c) {
        paramOffset[i] = w;
        biasOffset[i] = b;
        rows[i] = r;
        cols[i] = c;
    }

    /**
     * Copies every W and bias from {@code params} (the padding stays zero); zeroes the dW
     * accumulators unless the last pass drained them ({@link #addGradientsTo} leaves them zero).
     */
    void refresh(MemorySegment params) {
        for (int i = 0; i < at.length; i++) {
            for (int r = 0; r < rows[i]; r++) {
                Buffers.copy(params, paramOffset[i] + (long) r * cols[i], weights, at[i] + (long) r * ld[i], cols[i]);
            }
            Buffers.copy(params, biasOffset[i], weights, biasAt[i], rows[i]);
            if (!drained) {
                Buffers.zero(gradients, at[i], (long) rows[i] * ld[i]);
            }
        }
        drained = false;
    }

    /**
     * Adds matrix i's accumulated dW (without its padding) into the gradient segment {@code g}
     * and zeroes the accumulator, in one pass.
     */
    void addGradientTo(int i, MemorySegment g) {
        k.drainRows(gradients, at[i], ld[i], g, paramOffset[i], cols[i], rows[i], cols[i]);
    }

    /** Adds every accumulated dW into {@code g}, leaving the accumulators zero for the next pass. */
    void addGradientsTo(MemorySegment g) {
        for (int i = 0; i < at.length; i++) {
            addGradientTo(i, g);
        }
        drained = true;
    }

    MemorySegment weights() {
        return weights;
    }

    MemorySegment gradients() {
        return gradients;
    }

    /** Index of LSTM layer l, head h and the output among the matrices. */
    int layer(int l) {
        return l;
    }

    int head(int h) {
        return layers + h;
    }

    int output() {
        return layers + heads;
    }

    /** Offset of matrix i in {@link #weights()} and in {@link #gradients()}. */
    long offset(int i) {
        return at[i];
    }

    /** Offset of matrix i's bias copy in {@link #weights()}. */
    long biasOffset(int i) {
        return biasAt[i];
    }

    /** Row stride of matrix i's padded copies. */
    int ld(int i) {
        return ld[i];
    }
}
