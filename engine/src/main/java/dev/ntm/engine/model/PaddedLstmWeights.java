package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The LSTM weight matrices of the backward pass with their rows padded to whole vectors.
 *
 * <p>The parameter layout stores each LSTM weight as {@code [4H, in + H]} row-major, and in + H is
 * rarely a multiple of the vector length (129 for the copy task): every row then starts at an
 * address that is not vector-aligned, so each 64-byte load straddles two cache lines, and the last
 * {@code (in + H) mod 16} columns need a masked tail. The two backward products over W, the input
 * gradient {@code dxcat += W^T dz} and the weight gradient {@code dW += dz xcat^T}, run here over
 * padded copies instead, {@code [4H, ld]} with {@code ld = alignUp(in + H)}: a copy of W refreshed
 * at every pass, and an accumulator for dW that is added into the real gradient once per pass.
 * The padding columns of W are zero, so they add exact zeros to the padding of dxcat; the
 * padding columns of the dW accumulator collect whatever the padding of xcat holds and are never
 * copied out. (The tape pads every field to whole vectors, so both stay inside their rows.)
 */
final class PaddedLstmWeights {

    private final Kernels k;
    private final long[] paramOffset;
    private final int rows;
    private final int[] cols;
    private final int[] ld;
    private final long[] at;
    private final MemorySegment weights;
    private final MemorySegment gradients;

    PaddedLstmWeights(Stepper s, Arena arena) {
        Tape t = s.tape;
        this.k = s.k;
        this.rows = 4 * t.hidden;
        int layers = t.layers;
        this.paramOffset = s.layerW.clone();
        this.cols = new int[layers];
        this.ld = new int[layers];
        this.at = new long[layers];
        long next = 0;
        for (int l = 0; l < layers; l++) {
            cols[l] = t.inSize[l] + t.hidden;
            ld[l] = Buffers.alignUp(cols[l]);
            at[l] = next;
            next += Buffers.alignUp((long) rows * ld[l]);
        }
        this.weights = Buffers.allocate(arena, next);
        this.gradients = Buffers.allocate(arena, next);
    }

    /** Copies every layer's W from {@code params} (the padding stays zero); zeroes the dW accumulators. */
    void refresh(MemorySegment params) {
        for (int l = 0; l < at.length; l++) {
            for (int r = 0; r < rows; r++) {
                Buffers.copy(params, paramOffset[l] + (long) r * cols[l], weights, at[l] + (long) r * ld[l], cols[l]);
            }
            Buffers.zero(gradients, at[l], (long) rows * ld[l]);
        }
    }

    /** Adds layer l's accumulated dW (without its padding) into the gradient segment {@code g}. */
    void addGradientTo(int l, MemorySegment g) {
        for (int r = 0; r < rows; r++) {
            k.axpy(1f, gradients, at[l] + (long) r * ld[l], g, paramOffset[l] + (long) r * cols[l], cols[l]);
        }
    }

    MemorySegment weights() {
        return weights;
    }

    MemorySegment gradients() {
        return gradients;
    }

    /** Offset of layer l's padded matrix in {@link #weights()} and in {@link #gradients()}. */
    long offset(int l) {
        return at[l];
    }

    /** Row stride of layer l's padded matrices. */
    int ld(int l) {
        return ld[l];
    }
}
