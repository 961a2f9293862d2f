package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.kernels.Buffers;

/**
 * Where the forward pass finds the weight matrices and biases of the controller, head and output
 * layers, and in which orientation.
 *
 * <p>{@link #direct} reads them in place from the parameters, row-major {@code [out, in]}; the
 * product {@code W x} is then a dot product per output, each ending in a lane reduction.
 * {@link #transposed} keeps a copy with every matrix transposed to {@code [in, out]} (rows padded
 * to 16 floats), so the product becomes {@code gemmTransposed}: one vector update per input over
 * all outputs, no reductions. Measured on this machine with the SIMD kernels, the LSTM product of
 * the copy configuration (400 x 129) takes about 2.0 us that way against 4.1 us row-major. The
 * copy costs one pass over the weights, so it suits an immutable model stepped many times
 * (inference); training, whose weights change every batch, reads them in place.
 */
final class ForwardWeights {

    final boolean transposed;
    /** Null for {@link #direct}: the weights are in the parameter segment. */
    final MemorySegment image;
    final long[] layerW;
    final long[] layerB;
    final int[] layerLd;
    final long[] headW;
    final long[] headB;
    final int[] headLd;
    final long outW;
    final long outB;
    final int outLd;

    private ForwardWeights(boolean transposed, MemorySegment image, long[] layerW, long[] layerB, int[] layerLd,
                           long[] headW, long[] headB, int[] headLd, long outW, long outB, int outLd) {
        this.transposed = transposed;
        this.image = image;
        this.layerW = layerW;
        this.layerB = layerB;
        this.layerLd = layerLd;
        this.headW = headW;
        this.headB = headB;
        this.headLd = headLd;
        this.outW = outW;
        this.outB = outB;
        this.outLd = outLd;
    }

    /** The segment holding the weights when the parameters are {@code params}. */
    MemorySegment segment(MemorySegment params) {
        return image != null ? image : params;
    }

    /** The row-major weights in place in the parameters. */
    static ForwardWeights direct(Stepper s) {
        ParamLayout layout = ParamLayout.of(s.config);
        int layers = s.layerW.length;
        int heads = s.headW.length;
        int[] layerLd = new int[layers];
        int[] headLd = new int[heads];
        for (int l = 0; l < layers; l++) {
            layerLd[l] = layout.tensorAt(s.layerW[l]).cols();
        }
        for (int h = 0; h < heads; h++) {
            headLd[h] = layout.tensorAt(s.headW[h]).cols();
        }
        return new ForwardWeights(false, null, s.layerW, s.layerB, layerLd, s.headW, s.headB, headLd,
                s.outW, s.outB, layout.tensorAt(s.outW).cols());
    }

    /** A transposed copy of every weight matrix, and the biases, of {@code params}. */
    static ForwardWeights transposed(Stepper s, MemorySegment params, Arena arena) {
        ParamLayout layout = ParamLayout.of(s.config);
        int layers = s.layerW.length;
        int heads = s.headW.length;
        long[] layerW = new long[layers];
        long[] layerB = new long[layers];
        int[] layerLd = new int[layers];
        long[] headW = new long[heads];
        long[] headB = new long[heads];
        int[] headLd = new int[heads];
        long next = 0;
        for (int l = 0; l < layers; l++) {
            ParamLayout.Tensor w = layout.tensorAt(s.layerW[l]);
            layerLd[l] = Buffers.alignUp(w.rows());
            layerW[l] = next;
            next += Buffers.alignUp((long) w.cols() * layerLd[l]);
            layerB[l] = next;
            next += Buffers.alignUp((long) w.rows());
        }
        for (int h = 0; h < heads; h++) {
            ParamLayout.Tensor w = layout.tensorAt(s.headW[h]);
            headLd[h] = Buffers.alignUp(w.rows());
            headW[h] = next;
            next += Buffers.alignUp((long) w.cols() * headLd[h]);
            headB[h] = next;
            next += Buffers.alignUp((long) w.rows());
        }
        ParamLayout.Tensor ow = layout.tensorAt(s.outW);
        int outLd = Buffers.alignUp(ow.rows());
        long outW = next;
        next += Buffers.alignUp((long) ow.cols() * outLd);
        long outB = next;
        next += Buffers.alignUp((long) ow.rows());

        MemorySegment image = Buffers.allocate(arena, next);
        for (int l = 0; l < layers; l++) {
            copyTransposed(layout.tensorAt(s.layerW[l]), params, image, layerW[l], layerLd[l]);
            Buffers.copy(params, s.layerB[l], image, layerB[l], layout.tensorAt(s.layerB[l]).size());
        }
        for (int h = 0; h < heads; h++) {
            copyTransposed(layout.tensorAt(s.headW[h]), params, image, headW[h], headLd[h]);
            Buffers.copy(params, s.headB[h], image, headB[h], layout.tensorAt(s.headB[h]).size());
        }
        copyTransposed(ow, params, image, outW, outLd);
        Buffers.copy(params, s.outB, image, outB, layout.tensorAt(s.outB).size());
        return new ForwardWeights(true, image, layerW, layerB, layerLd, headW, headB, headLd, outW, outB, outLd);
    }

    /** {@code dst[c][r] = W[r][c]} with row stride {@code ld}. */
    private static void copyTransposed(ParamLayout.Tensor w, MemorySegment params, MemorySegment dst, long off,
                                       int ld) {
        int rows = w.rows();
        int cols = w.cols();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                Buffers.set(dst, off + (long) c * ld + r, Buffers.get(params, w.offset() + (long) r * cols + c));
            }
        }
    }
}
