package dev.ntm.engine.memory;

import static dev.ntm.kernels.Buffers.F32;

import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The NTM memory, {@code n} rows by {@code m} columns, stored column-major inside the engine:
 * cell (i, j) at {@code off + j * ld + i} with {@code ld = n} rounded up to 16 floats, so each
 * column is a run of whole vectors of rows (docs/ARCHITECTURE.md, "Data layout"). Files and parameters keep
 * the row-major [N, M] order; {@link #fromRowMajor} and {@link #addToRowMajor} convert at the
 * boundary. Reads (docs/SPEC.md 1.5) and erase/add writes (1.6) with their backward passes.
 */
public final class Memory {

    private final Kernels k;
    private final int n;
    private final int m;
    private final int ld;

    /** A memory of {@code n} rows and {@code m} columns. */
    public Memory(Kernels kernels, int n, int m) {
        this.k = kernels;
        this.n = n;
        this.m = m;
        this.ld = Buffers.alignUp(n);
    }

    /** Column stride in floats: n rounded up to 16. */
    public int ld() {
        return ld;
    }

    /** Floats of one memory: {@code m * ld}. */
    public int size() {
        return m * ld;
    }

    /** {@code norms[i] = |M(i)|}, once per step, shared by all heads' cosine similarities. */
    public void rowNorms(MemorySegment a, long mem, long norms) {
        k.rowNorms(a, mem, n, m, ld, a, norms);
    }

    /** Read {@code r[j] = sum_i w[i] M(i, j)}. */
    public void read(MemorySegment a, long w, long mem, long r) {
        k.read(a, w, a, mem, n, m, ld, a, r);
    }

    /** Backward of {@link #read}: {@code dw[i] += sum_j dr[j] M(i, j)}, {@code dM(i, j) += w[i] dr[j]}. */
    public void readBackward(MemorySegment a, long w, long mem, MemorySegment d, long dr, long dw, long dmem) {
        k.readBackward(a, w, a, mem, n, m, ld, d, dr, d, dw, d, dmem);
    }

    /**
     * Erase/add of the write heads in order: {@code M <- M (1 - w e^T) + w a^T}, with their
     * weightings, erase and add vectors at {@code s} from {@code row}. {@code memIn} and
     * {@code memOut} may be the same memory.
     */
    public void write(MemorySegment a, long memIn, long memOut, long row, WriteSlots s) {
        k.eraseAdd(a, memIn, a, memOut, n, m, ld, s.heads(), a, row + s.w(), s.wStride(), a, row + s.erase(),
                s.eaStride(), a, row + s.add(), s.eaStride());
    }

    /**
     * Backward of {@link #write}: {@code dmem} holds the gradient of the memory after the write on
     * entry and that of the memory before it ({@code memIn}) on exit; accumulates the gradients of
     * the weightings, erase and add vectors at {@code g} from {@code gradRow} in {@code d} (same
     * strides as {@code s}).
     */
    public void writeBackward(MemorySegment a, long memIn, long row, WriteSlots s, MemorySegment d, long dmem,
                              long gradRow, WriteSlots g) {
        k.eraseAddBackward(a, memIn, d, dmem, d, dmem, n, m, ld, s.heads(),
                a, row + s.w(), s.wStride(), a, row + s.erase(), s.eaStride(), a, row + s.add(), s.eaStride(),
                d, gradRow + g.w(), d, gradRow + g.erase(), d, gradRow + g.add());
    }

    /**
     * Copies a row-major [n, m] tensor into column-major form; with {@code tanh}, stores
     * {@code tanh} of each value (memory mode {@code learned}).
     */
    public void fromRowMajor(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, boolean tanh) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                float v = src.getAtIndex(F32, srcOff + (long) i * m + j);
                dst.setAtIndex(F32, dstOff + (long) j * ld + i, tanh ? (float) Math.tanh(v) : v);
            }
        }
    }

    /**
     * Adds a column-major gradient into a row-major [n, m] tensor's gradient; when {@code tanhOf}
     * is given (the column-major memory {@code tanh(B)} of mode {@code learned}), multiplies by
     * its derivative {@code 1 - tanh(B)^2}.
     */
    public void addToRowMajor(MemorySegment src, long srcOff, MemorySegment tanhOf, long tanhOff,
                              MemorySegment dst, long dstOff) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                long c = (long) j * ld + i;
                float gv = src.getAtIndex(F32, srcOff + c);
                if (tanhOf != null) {
                    float t = tanhOf.getAtIndex(F32, tanhOff + c);
                    gv *= 1f - t * t;
                }
                long o = dstOff + (long) i * m + j;
                dst.setAtIndex(F32, o, dst.getAtIndex(F32, o) + gv);
            }
        }
    }

    /** Copies a column-major memory out as a row-major [n, m] heap array slice at {@code dstOff}. */
    public void toRowMajor(MemorySegment src, long srcOff, float[] dst, int dstOff) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                dst[dstOff + i * m + j] = src.getAtIndex(F32, srcOff + (long) j * ld + i);
            }
        }
    }
}
