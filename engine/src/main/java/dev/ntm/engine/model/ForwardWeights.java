package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.util.Affine;
import dev.ntm.kernels.Bf16;
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
    /** How the head and output matrices are stored. */
    final Affine.Form form;
    /** How the controller layers' matrices are stored (bfloat16 in the compact mode). */
    final Affine.Form layerForm;
    /** How the heads' block ({@link #headsLd}) is stored (bfloat16 in the compact mode). */
    final Affine.Form headsForm;
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
    /**
     * In a transposed image, the heads' matrices side by side as one {@code [hidden, headsCols]}
     * matrix of row stride {@code headsLd} (head h's columns from where the tape keeps its
     * parameters), so all heads take one product; 0 when each head is its own product.
     */
    int headsLd;
    /** The columns of the heads' block: the tape's head parameters, each head's rounded up to whole vectors. */
    int headsCols;

    private ForwardWeights(boolean transposed, boolean compact, MemorySegment image, long[] layerW, long[] layerB,
                           int[] layerLd, long[] headW, long[] headB, int[] headLd, long outW, long outB, int outLd) {
        this.transposed = transposed;
        this.form = transposed ? Affine.Form.TRANSPOSED : Affine.Form.ROW_MAJOR;
        this.layerForm = compact ? Affine.Form.TRANSPOSED_BF16 : form;
        this.headsForm = layerForm;
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

    /** The row-major weights of an LSTM network with rows padded to whole vectors ({@link PaddedWeights}). */
    static ForwardWeights padded(Stepper s, PaddedWeights p) {
        int layers = s.layerW.length;
        int heads = s.headW.length;
        long[] layerW = new long[layers];
        long[] layerB = new long[layers];
        int[] layerLd = new int[layers];
        long[] headW = new long[heads];
        long[] headB = new long[heads];
        int[] headLd = new int[heads];
        for (int l = 0; l < layers; l++) {
            layerW[l] = p.offset(p.layer(l));
            layerB[l] = p.biasOffset(p.layer(l));
            layerLd[l] = p.ld(p.layer(l));
        }
        for (int h = 0; h < heads; h++) {
            headW[h] = p.offset(p.head(h));
            headB[h] = p.biasOffset(p.head(h));
            headLd[h] = p.ld(p.head(h));
        }
        int o = p.output();
        return new ForwardWeights(false, false, p.weights(), layerW, layerB, layerLd, headW, headB, headLd, p.offset(o),
                p.biasOffset(o), p.ld(o));
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
        return new ForwardWeights(false, false, null, s.layerW, s.layerB, layerLd, s.headW, s.headB, headLd,
                s.outW, s.outB, layout.tensorAt(s.outW).cols());
    }

    /** A transposed copy of every weight matrix, and the biases, of {@code params}. */
    static ForwardWeights transposed(Stepper s, MemorySegment params, Arena arena) {
        ForwardWeights fw = transposedLayout(s, false, arena);
        fw.refresh(params);
        return fw;
    }

    /**
     * As {@link #transposed}, with the controller layers' and the heads' matrices (the gate and head
     * products, most of the bytes a step streams) in bfloat16: the compact-weights inference mode.
     * Biases and the output layer stay float32.
     */
    static ForwardWeights compact(Stepper s, MemorySegment params, Arena arena) {
        ForwardWeights fw = transposedLayout(s, true, arena);
        fw.refresh(params);
        return fw;
    }

    /**
     * Room for a transposed copy of every weight matrix and bias of {@code s}'s configuration,
     * filled by {@link #refresh}.
     */
    static ForwardWeights transposedLayout(Stepper s, Arena arena) {
        return transposedLayout(s, false, arena);
    }

    private static ForwardWeights transposedLayout(Stepper s, boolean compact, Arena arena) {
        ParamLayout layout = ParamLayout.of(s.config);
        int layers = s.layerW.length;
        int heads = s.headW.length;
        long[] layerW = new long[layers];
        long[] layerB = new long[layers];
        int[] layerLd = new int[layers];
        long[] headW = new long[heads];
        long[] headB = new long[heads];
        int[] headLd = new int[heads];
        int tensors = layers + heads + 1;
        ParamLayout.Tensor[] weights = new ParamLayout.Tensor[tensors];
        ParamLayout.Tensor[] biases = new ParamLayout.Tensor[tensors];
        long[] dstW = new long[tensors];
        long[] dstB = new long[tensors];
        int[] ld = new int[tensors];
        int[] dstCol = new int[tensors];
        for (int i = 0; i < tensors; i++) {
            long w = i < layers ? s.layerW[i] : i < layers + heads ? s.headW[i - layers] : s.outW;
            long b = i < layers ? s.layerB[i] : i < layers + heads ? s.headB[i - layers] : s.outB;
            weights[i] = layout.tensorAt(w);
            biases[i] = layout.tensorAt(b);
        }
        long next = 0;
        for (int i = 0; i < tensors; i++) {
            if (i == layers && heads > 0) {
                next = placeHeads(weights, biases, layers, heads, compact, next, dstW, dstB, ld, dstCol);
                i += heads - 1;
                continue;
            }
            ld[i] = Buffers.alignUp(weights[i].rows());
            if (compact && i < layers) {
                // paired bfloat16 rows (whole groups of columns): offset and stride in 16-bit
                // elements, about half the floats of room
                ld[i] = Bf16.pairedStride(ld[i]);
                dstW[i] = 2 * next;
                next += Buffers.alignUp(((long) weights[i].cols() * ld[i] + 1) / 2);
            } else {
                long floats = (long) weights[i].cols() * ld[i];
                dstW[i] = next;
                next += Buffers.alignUp(floats);
            }
            dstB[i] = next;
            next += Buffers.alignUp((long) weights[i].rows());
        }
        for (int l = 0; l < layers; l++) {
            layerW[l] = dstW[l];
            layerB[l] = dstB[l];
            layerLd[l] = ld[l];
        }
        for (int h = 0; h < heads; h++) {
            headW[h] = dstW[layers + h];
            headB[h] = dstB[layers + h];
            headLd[h] = ld[layers + h];
        }
        MemorySegment image = Buffers.allocate(arena, next);
        ForwardWeights fw = new ForwardWeights(true, compact, image, layerW, layerB, layerLd, headW, headB, headLd,
                dstW[tensors - 1], dstB[tensors - 1], ld[tensors - 1]);
        fw.headsLd = heads > 0 ? ld[layers] : 0;
        fw.headsCols = heads > 0 ? dstCol[tensors - 2] + Buffers.alignUp(weights[tensors - 2].rows()) : 0;
        fw.sources = weights;
        fw.biasSources = biases;
        fw.dstW = dstW;
        fw.dstB = dstB;
        fw.dstLd = ld;
        fw.dstCol = dstCol;
        fw.compactTensors = compact ? layers + heads : 0;
        int largest = 0;
        for (ParamLayout.Tensor t : weights) {
            largest = Math.max(largest, Math.multiplyExact(t.rows(), t.cols()));
        }
        fw.rowMajor = new float[largest];
        fw.columnMajor = new float[largest];
        return fw;
    }

    /**
     * Places the heads' transposed matrices side by side in one block of {@code sum_h alignUp(out_h)}
     * columns (read heads first, as the tape orders their parameters), and their biases likewise;
     * every head gets the block's row stride. The columns between heads stay zero. In the compact
     * mode the block holds paired bfloat16 rows ({@code dstW} is then the block's start in 16-bit
     * elements for every head, {@code dstCol} each head's first column). Returns the next free offset.
     */
    private static long placeHeads(ParamLayout.Tensor[] weights, ParamLayout.Tensor[] biases, int first, int heads,
                                   boolean compact, long next, long[] dstW, long[] dstB, int[] ld, int[] dstCol) {
        int total = 0;
        for (int h = 0; h < heads; h++) {
            total += Buffers.alignUp(weights[first + h].rows());
        }
        int in = weights[first].cols();
        long block = next;
        int stride = compact ? Bf16.pairedStride(total) : total;
        long bias = block + Buffers.alignUp(compact ? ((long) in * stride + 1) / 2 : (long) in * total);
        int col = 0;
        for (int h = 0; h < heads; h++) {
            if (weights[first + h].cols() != in) {
                throw new IllegalStateException("heads read inputs of different sizes: " + in + " and "
                        + weights[first + h].cols());
            }
            ld[first + h] = stride;
            dstW[first + h] = compact ? 2 * block : block + col;
            dstCol[first + h] = col;
            dstB[first + h] = bias + col;
            col += Buffers.alignUp(weights[first + h].rows());
        }
        return bias + total;
    }

    /** The tensors copied by {@link #refresh} and where they go (null for {@link #direct}). */
    private ParamLayout.Tensor[] sources;
    private ParamLayout.Tensor[] biasSources;
    private long[] dstW;
    private long[] dstB;
    private int[] dstLd;
    /** Each head's first column in the heads' block (0 for the other tensors). */
    private int[] dstCol;
    /** The first {@code compactTensors} tensors (the layers', then the heads') are stored in bfloat16. */
    private int compactTensors;
    /** Scratch of {@link #copyTransposed}: one matrix as read, and transposed (sized once). */
    private float[] rowMajor;
    private float[] columnMajor;

    /**
     * Copies the weights and biases of {@code params} into this transposed image (after every
     * change of the parameters: training refreshes it once per forward pass). Allocates nothing.
     */
    void refresh(MemorySegment params) {
        if (sources == null) {
            return;
        }
        for (int i = 0; i < sources.length; i++) {
            if (i < compactTensors) {
                copyTransposedBf16(sources[i], params, image, dstW[i], dstLd[i], dstCol[i]);
            } else {
                copyTransposed(sources[i], params, image, dstW[i], dstLd[i], rowMajor, columnMajor);
            }
            Buffers.copy(params, biasSources[i].offset(), image, dstB[i], biasSources[i].size());
        }
    }

    /**
     * {@code dst[c][r] = W[r][c]} with row stride {@code ld} (only the first {@code rows} floats
     * of each destination row are written). W is read in one bulk copy into {@code in},
     * transposed there in 16 x 16 blocks (so the rows read and written stay in the L1 cache) into
     * {@code out}, and written back one destination row per bulk copy: element accesses to the
     * segments, each bounds-checked, took about 200 us per refresh for the copy task's gate matrix.
     */
    private static void copyTransposed(ParamLayout.Tensor w, MemorySegment params, MemorySegment dst, long off,
                                       int ld, float[] in, float[] out) {
        int rows = w.rows();
        int cols = w.cols();
        MemorySegment.copy(params, Buffers.F32, w.offset() * Float.BYTES, in, 0, rows * cols);
        for (int r0 = 0; r0 < rows; r0 += BLOCK) {
            int r1 = Math.min(rows, r0 + BLOCK);
            for (int c0 = 0; c0 < cols; c0 += BLOCK) {
                int c1 = Math.min(cols, c0 + BLOCK);
                for (int r = r0; r < r1; r++) {
                    int from = r * cols;
                    for (int c = c0; c < c1; c++) {
                        out[c * rows + r] = in[from + c];
                    }
                }
            }
        }
        for (int c = 0; c < cols; c++) {
            MemorySegment.copy(out, c * rows, dst, Buffers.F32, (off + (long) c * ld) * Float.BYTES, rows);
        }
    }

    /**
     * {@link #copyTransposed} into paired bfloat16 rows ({@link Bf16#pairedIndex}; {@code off} and
     * {@code ld} in 16-bit elements) from column {@code col0} of a block, rounded to nearest even.
     */
    private static void copyTransposedBf16(ParamLayout.Tensor w, MemorySegment params, MemorySegment dst, long off,
                                           int ld, int col0) {
        int rows = w.rows();
        int cols = w.cols();
        long src = w.offset();
        for (int r = 0; r < rows; r++) {
            long from = src + (long) r * cols;
            for (int c = 0; c < cols; c++) {
                dst.setAtIndex(Bf16.LAYOUT, off + (long) c * ld + Bf16.pairedIndex(col0 + r),
                        Bf16.fromFloat(params.getAtIndex(Buffers.F32, from + c)));
            }
        }
    }

    private static final int BLOCK = 16;
}
