package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The products give every row and every sequence the same bits however a call blocks them.
 *
 * <p>The matrix-vector product gives every row the same bits however many rows one call covers: a
 * call over many rows (where 512-bit kernels fold sixteen rows' lanes together) equals, bit for
 * bit, calls of four rows each (the four-row block every row took before) plus one call for the
 * rows left over. Training at batch 1 and evaluation read the LSTM weights through this product,
 * so every recorded run depends on it. The data are checked to be order-sensitive: a plain
 * left-to-right sum differs from the kernel's in some row.
 *
 * <p>The transposed product ({@code dx += W^T dy} per sequence, the input gradient of every layer
 * and the engine's forward product at batch >= 2) gives each sequence of a batch the bits it
 * gets alone, whether it falls in a block of four, a pair or a single row: training results do not
 * depend on how many sequences are still active at a step, and a session stepped with others
 * matches itself stepped alone.
 *
 * <p>The weight gradient ({@code dW += sum_b dy_b x_b^T}) gives every element of dW the same bits
 * whatever the width of the column tiles: one call over all columns equals calls over strips two
 * vectors wide.
 *
 * <p>The memory read ({@code r_j = sum_i w_i M_ij}) gives every column the bits of the four-column
 * block whatever the number of columns in one call (512-bit kernels fold sixteen together).
 */
class ProductBlockingTest {

    /** rows x cols (cols a multiple of 16: the padded rows the 16-row block takes, and 129: it does not). */
    private static final int[][] SHAPES = {{16, 16}, {32, 128}, {400, 144}, {29, 144}, {37, 32}, {400, 129}, {3, 48}};

    private static MemorySegment filled(Arena arena, long floats, SplittableRandom r) {
        MemorySegment s = Buffers.allocate(arena, floats);
        for (long i = 0; i < floats; i++) {
            Buffers.set(s, i, (float) ((r.nextDouble() * 2 - 1) * Math.exp(4 * r.nextDouble() - 2)));
        }
        return s;
    }

    /** Fails at the first float whose bits differ between {@code a} and {@code b}. */
    private static void assertSameBits(String what, MemorySegment a, String aName, MemorySegment b, String bName,
                                       long floats) {
        for (long i = 0; i < floats; i++) {
            if (Float.floatToRawIntBits(Buffers.get(a, i)) != Float.floatToRawIntBits(Buffers.get(b, i))) {
                throw new AssertionError(what + ": float " + i + " is " + Buffers.get(a, i) + " in " + aName + ", "
                        + Buffers.get(b, i) + " in " + bName);
            }
        }
    }

    /** A copy of the first {@code floats} floats of {@code s}. */
    private static MemorySegment copyOf(Arena arena, MemorySegment s, long floats) {
        MemorySegment c = Buffers.allocate(arena, floats);
        MemorySegment.copy(s, 0, c, 0, floats * Float.BYTES);
        return c;
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void manyRowsInOneCallGiveTheBitsOfFourRowCalls(int bits) {
        Kernels k = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(bits);
        int orderSensitive = 0;
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            int ldw = cols + (cols % 16 == 0 ? 16 : 3);
            for (boolean accumulate : new boolean[] {false, true}) {
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment w = filled(arena, (long) rows * ldw + 8, r);
                    MemorySegment x = filled(arena, cols + 8, r);
                    MemorySegment whole = filled(arena, rows + 8, r);
                    MemorySegment parts = copyOf(arena, whole, rows + 8);
                    k.gemv(w, 2, rows, cols, ldw, x, 1, whole, 3, accumulate);
                    int row = 0;
                    for (; row + 4 <= rows; row += 4) {
                        k.gemv(w, 2 + (long) row * ldw, 4, cols, ldw, x, 1, parts, 3 + row, accumulate);
                    }
                    if (row < rows) {
                        k.gemv(w, 2 + (long) row * ldw, rows - row, cols, ldw, x, 1, parts, 3 + row, accumulate);
                    }
                    assertSameBits(bits + " bits, " + rows + " x " + cols + (accumulate ? " accumulating" : ""),
                            whole, "one call", parts, "four-row calls", rows + 8);
                    if (!accumulate) {
                        for (int i = 0; i < rows; i++) {
                            float plain = 0f;
                            for (int c = 0; c < cols; c++) {
                                plain += Buffers.get(w, 2 + (long) i * ldw + c) * Buffers.get(x, 1 + c);
                            }
                            if (plain != Buffers.get(whole, 3 + i)) {
                                orderSensitive++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(orderSensitive > 100,
                "the data do not tell summation orders apart: " + orderSensitive + " rows differ");
    }

    /**
     * Whatever tile computes a column of {@code dx += W^T dy} (four, five, three, two or one
     * vectors, or the scalar tail), each element is its old value followed by one fused
     * multiply-add per weight row, rows ascending: checked against that chain written out in
     * {@link Math#fma}, for column counts that leave every number of vectors after the four-wide
     * passes (9 vectors: 4 + 5, the copy task's LSTM; 25: inference's [129, 400]).
     */
    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void transposedProductElementsAreTheRowOrderedFmaChain(int bits) {
        Kernels k = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(bits + 5);
        for (int rows : new int[] {1, 7, 129}) {
            for (int cols : new int[] {16, 48, 64, 80, 112, 144, 147, 160, 400, 409}) {
                int ldw = cols + 3;
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment w = filled(arena, (long) rows * ldw + 4, r);
                    MemorySegment dy = filled(arena, rows + 4, r);
                    MemorySegment dx = filled(arena, cols + 4, r);
                    float[] want = new float[cols];
                    for (int c = 0; c < cols; c++) {
                        float acc = Buffers.get(dx, 2 + c);
                        for (int row = 0; row < rows; row++) {
                            acc = Math.fma(Buffers.get(w, 1 + (long) row * ldw + c), Buffers.get(dy, 3 + row), acc);
                        }
                        want[c] = acc;
                    }
                    k.gemmTransposed(w, 1, rows, cols, ldw, dy, 3, rows, dx, 2, cols, 1);
                    for (int c = 0; c < cols; c++) {
                        assertEquals(Float.floatToRawIntBits(want[c]), Float.floatToRawIntBits(Buffers.get(dx, 2 + c)),
                                bits + " bits, " + rows + " x " + cols + ": column " + c);
                    }
                }
            }
        }
    }

    /**
     * The write's backward pass with one head takes two memory columns per pass over the rows on
     * 512-bit vectors: every output (dM_in, dw, de, da) must have the bits of one column per call.
     * Odd and even column counts, rows with and without a scalar tail, dM_in separate from dM_out
     * and the same buffer.
     */
    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void writeBackwardColumnsGetTheBitsOfOneColumnCalls(int bits) {
        Kernels k = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(bits + 9);
        int[][] shapes = {{128, 20}, {128, 7}, {37, 6}, {16, 2}, {64, 1}};
        for (int[] shape : shapes) {
            int n = shape[0];
            int m = shape[1];
            int ld = n + 5;
            for (boolean inPlace : new boolean[] {false, true}) {
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment mem = filled(arena, (long) m * ld + 8, r);
                    MemorySegment w = filled(arena, n + 8, r);
                    MemorySegment e = filled(arena, m + 8, r);
                    MemorySegment a = filled(arena, m + 8, r);
                    MemorySegment[] whole = {filled(arena, (long) m * ld + 8, r), filled(arena, (long) m * ld + 8, r),
                        filled(arena, n + 8, r), filled(arena, m + 8, r), filled(arena, m + 8, r)};
                    MemorySegment[] cols = new MemorySegment[whole.length];
                    for (int i = 0; i < whole.length; i++) {
                        cols[i] = copyOf(arena, whole[i], whole[i].byteSize() / Float.BYTES);
                    }
                    int gIn = inPlace ? 0 : 1;
                    k.eraseAddBackward(mem, 1, whole[0], 2, whole[gIn], 2, n, m, ld, 1, w, 3, n, e, 1, m, a, 2, m,
                            whole[2], 1, whole[3], 2, whole[4], 3);
                    for (int j = 0; j < m; j++) {
                        long c = (long) j * ld;
                        k.eraseAddBackward(mem, 1 + c, cols[0], 2 + c, cols[gIn], 2 + c, n, 1, ld, 1, w, 3, n, e, 1 + j,
                                1, a, 2 + j, 1, cols[2], 1, cols[3], 2 + j, cols[4], 3 + j);
                    }
                    String what = bits + " bits, " + n + " x " + m + (inPlace ? ", in place" : "");
                    String[] names = {"dM_out/dM_in", "dM_in", "dw", "de", "da"};
                    for (int i = 0; i < whole.length; i++) {
                        assertSameBits(what + ", " + names[i], whole[i], "one call", cols[i], "column calls",
                                whole[i].byteSize() / Float.BYTES);
                    }
                }
            }
        }
    }

    /**
     * The shift's backward pass is, per shift j, two dots (the rotation's two pieces) and two
     * multiply-adds into dw_g: ds and dw_g must have the bits of those {@code dot} and {@code axpy}
     * calls, whatever the kernel does to be faster (a version that paired the dots of shifts j and
     * 2S - j in one loop was checked with this and gave 1.07x, too little to keep).
     */
    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void shiftBackwardGetsTheBitsOfItsDotAndAxpyCalls(int bits) {
        Kernels k = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(bits + 13);
        for (int n : new int[] {128, 100, 37, 16, 5, 3}) {
            for (int range = 1; range <= 3 && 2 * range + 1 <= n; range++) {
                int shifts = 2 * range + 1;
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment wg = filled(arena, n + 4, r);
                    MemorySegment s = filled(arena, shifts + 4, r);
                    MemorySegment dws = filled(arena, n + 4, r);
                    MemorySegment dwg = filled(arena, n + 4, r);
                    MemorySegment ds = filled(arena, shifts + 4, r);
                    MemorySegment dwgRef = copyOf(arena, dwg, n + 4);
                    MemorySegment dsRef = copyOf(arena, ds, shifts + 4);
                    k.shiftBackward(wg, 1, s, 2, range, dws, 3, dwg, 1, ds, 2, n);
                    for (int j = 0; j < shifts; j++) {
                        int rot = Math.floorMod(range - j, n);
                        float d = k.dot(dws, 3, wg, 1 + rot, n - rot) + k.dot(dws, 3 + n - rot, wg, 1, rot);
                        Buffers.set(dsRef, 2 + j, Buffers.get(dsRef, 2 + j) + d);
                    }
                    for (int j = 0; j < shifts; j++) {
                        int rot = Math.floorMod(range - j, n);
                        float sj = Buffers.get(s, 2 + j);
                        k.axpy(sj, dws, 3, dwgRef, 1 + rot, n - rot);
                        k.axpy(sj, dws, 3 + n - rot, dwgRef, 1, rot);
                    }
                    String what = bits + " bits, n " + n + ", shift range " + range;
                    assertSameBits(what + ", ds", ds, "shiftBackward", dsRef, "dot calls", shifts + 4);
                    assertSameBits(what + ", dw_g", dwg, "shiftBackward", dwgRef, "axpy calls", n + 4);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void eachSequenceOfATransposedProductGetsItsOwnBits(int bits) {
        Kernels k = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(bits + 1);
        int[][] shapes = {{400, 129}, {26, 100}, {7, 37}, {16, 144}, {3, 16}};
        for (int[] shape : shapes) {
            int rows = shape[0];
            int cols = shape[1];
            int ldw = cols + 5;
            int lddy = rows + 3;
            int lddx = cols + 7;
            for (int batch : new int[] {1, 2, 3, 5, 6, 7, 13}) {
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment w = filled(arena, (long) rows * ldw + 8, r);
                    MemorySegment dy = filled(arena, (long) batch * lddy + 8, r);
                    MemorySegment together = filled(arena, (long) batch * lddx + 8, r);
                    MemorySegment alone = copyOf(arena, together, (long) batch * lddx + 8);
                    k.gemmTransposed(w, 1, rows, cols, ldw, dy, 2, lddy, together, 3, lddx, batch);
                    for (int b = 0; b < batch; b++) {
                        k.gemmTransposed(w, 1, rows, cols, ldw, dy, 2 + (long) b * lddy, lddy, alone,
                                3 + (long) b * lddx, lddx, 1);
                    }
                    assertSameBits(bits + " bits, " + rows + " x " + cols + ", batch " + batch,
                            together, "the batch", alone, "alone", (long) batch * lddx + 8);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void weightGradientElementsDoNotDependOnTheColumnTiles(int bits) {
        Kernels k = SimdKernels.create(bits);
        int strip = 2 * bits / 32;
        SplittableRandom r = new SplittableRandom(bits + 2);
        int[][] shapes = {{400, 144}, {400, 129}, {26, 100}, {8, 48}};
        for (int[] shape : shapes) {
            int rows = shape[0];
            int cols = shape[1];
            int ldw = cols + 3;
            int lddy = rows + 5;
            int ldx = cols + 9;
            for (int batch : new int[] {1, 3, 16}) {
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment dy = filled(arena, (long) batch * lddy + 8, r);
                    MemorySegment x = filled(arena, (long) batch * ldx + 8, r);
                    MemorySegment whole = filled(arena, (long) rows * ldw + 8, r);
                    MemorySegment strips = copyOf(arena, whole, (long) rows * ldw + 8);
                    k.rankKUpdate(whole, 2, rows, cols, ldw, dy, 1, lddy, x, 3, ldx, batch);
                    for (int c = 0; c < cols; c += strip) {
                        k.rankKUpdate(strips, 2 + c, rows, Math.min(strip, cols - c), ldw,
                                dy, 1, lddy, x, 3 + c, ldx, batch);
                    }
                    assertSameBits(bits + " bits, " + rows + " x " + cols + ", batch " + batch,
                            whole, "one call", strips, "strips", (long) rows * ldw + 8);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void readColumnsGetTheBitsOfFourColumnCalls(int bits) {
        Kernels k = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(bits + 3);
        int[][] shapes = {{128, 20}, {1024, 64}, {37, 20}, {16, 16}, {128, 7}};
        int orderSensitive = 0;
        for (int[] shape : shapes) {
            int n = shape[0];
            int m = shape[1];
            int ld = n + 16;
            try (Arena arena = Arena.ofShared()) {
                MemorySegment w = filled(arena, n + 8, r);
                MemorySegment mem = filled(arena, (long) m * ld + 8, r);
                MemorySegment whole = filled(arena, m + 8, r);
                MemorySegment groups = copyOf(arena, whole, m + 8);
                k.read(w, 1, mem, 16, n, m, ld, whole, 2);
                int j = 0;
                for (; j + 4 <= m; j += 4) {
                    k.read(w, 1, mem, 16 + (long) j * ld, n, 4, ld, groups, 2 + j);
                }
                if (j < m) {
                    k.read(w, 1, mem, 16 + (long) j * ld, n, m - j, ld, groups, 2 + j);
                }
                assertSameBits(bits + " bits, " + n + " x " + m, whole, "one call", groups, "four-column calls", m + 8);
                for (int c = 0; c < m; c++) {
                    float plain = 0f;
                    for (int i = 0; i < n; i++) {
                        plain += Buffers.get(w, 1 + i) * Buffers.get(mem, 16 + (long) c * ld + i);
                    }
                    if (plain != Buffers.get(whole, 2 + c)) {
                        orderSensitive++;
                    }
                }
            }
        }
        assertTrue(orderSensitive > 20, "the data do not tell summation orders apart: " + orderSensitive);
    }
}
