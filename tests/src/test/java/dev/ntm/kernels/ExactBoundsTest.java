package dev.ntm.kernels;

import static dev.ntm.kernels.SimdSupport.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every SIMD kernel on segments that end exactly where the range it checks at entry ends, with the
 * JDK's bounds check on every vector access (the tests run with it; {@code ./ntm} turns it off for
 * every other run). A load or store one float past what a kernel validated throws here. The other
 * kernel tests leave slack around their buffers, where an over-read would pass unseen.
 *
 * <p>Shapes hit every tail at 128, 256 and 512 bits: lengths 1 to 34 and around 64, 128 and 256;
 * matrices with and without padded rows; memories with every head count the write handles.
 */
class ExactBoundsTest {

    private static final int[] LENGTHS;
    private static final int[] ROWS = {1, 3, 8, 17};
    private static final int[] COLS = {1, 3, 8, 15, 16, 17, 31, 32, 33, 47, 49, 64, 65, 129};
    private static final int[] MEMORY_ROWS = {1, 3, 8, 15, 16, 17, 31, 32, 33, 47, 48, 65, 128, 129};
    private static final int[] MEMORY_COLS = {1, 2, 5, 17, 20};

    static {
        int[] around = {47, 48, 63, 64, 65, 127, 128, 129, 257};
        LENGTHS = new int[34 + around.length];
        for (int i = 0; i < 34; i++) {
            LENGTHS[i] = i + 1;
        }
        System.arraycopy(around, 0, LENGTHS, 34, around.length);
    }

    private final List<String> failures = new ArrayList<>();
    /** Freed by the collector: the shapes below allocate thousands of small segments. */
    private final Arena arena = Arena.ofAuto();

    /** {@code span} floats after {@code off} floats of slack in front, and not one float more. */
    private MemorySegment exact(long off, long span) {
        long floats = off + span;
        // every float 0x3e3e3e3e = 0.186: positive and finite, for the logarithms and the norms
        return arena.allocate(floats * Float.BYTES, Float.BYTES).fill((byte) 0x3e);
    }

    private void check(String what, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            if (failures.size() < 20) {
                failures.add(what + ": " + e);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void everyKernelStaysInsideTheRangeItChecks(int bits) {
        SimdKernels k = SimdKernels.create(bits);
        for (int off : new int[] {0, 3}) {
            vectors(k, off);
            matrices(k, off);
            memories(k, off);
        }
        assertEquals(List.of(), failures, bits + " bits");
    }

    private void vectors(SimdKernels k, int off) {
        for (int n : LENGTHS) {
            String c = " n=" + n + " off=" + off;
            check("dot" + c, () -> k.dot(exact(off, n), off, exact(off, n), off, n));
            check("axpy" + c, () -> k.axpy(0.5f, exact(off, n), off, exact(off, n), off, n));
            check("scale" + c, () -> k.scale(0.5f, exact(off, n), off, n));
            check("sumOfSquares" + c, () -> k.sumOfSquares(exact(off, n), off, n));
            check("clamp" + c, () -> k.clamp(exact(off, n), off, n, 0.5f));
            check("sigmoid" + c, () -> k.sigmoid(exact(off, n), off, exact(off, n), off, n));
            check("sigmoid in place" + c, () -> {
                MemorySegment x = exact(off, n);
                k.sigmoid(x, off, x, off, n);
            });
            check("tanh" + c, () -> k.tanh(exact(off, n), off, exact(off, n), off, n));
            check("softplus" + c, () -> k.softplus(exact(off, n), off, exact(off, n), off, n));
            check("sigmoidBackward" + c, () -> k.sigmoidBackward(exact(off, n), off, exact(off, n), off,
                    exact(off, n), off, n));
            check("tanhBackward" + c, () -> k.tanhBackward(exact(off, n), off, exact(off, n), off,
                    exact(off, n), off, n));
            check("softplusBackward" + c, () -> k.softplusBackward(exact(off, n), off, exact(off, n), off,
                    exact(off, n), off, n));
            check("softmax" + c, () -> k.softmax(exact(off, n), off, exact(off, n), off, n));
            check("softmaxBackward" + c, () -> k.softmaxBackward(exact(off, n), off, exact(off, n), off,
                    exact(off, n), off, n));
            check("clip" + c, () -> k.clip(exact(off, n), off, exact(off, n), off, n, 0.5f));
            check("clipBackward" + c, () -> k.clipBackward(exact(off, n), off, exact(off, n), off, n, 0.5f));
            check("bceWithLogits" + c, () -> k.bceWithLogits(exact(off, n), off, exact(off, n), off,
                    exact(off, n), off, n, 1f));
            check("contentWeighting" + c, () -> k.contentWeighting(exact(off, n), off, 2f, exact(off, n), off, n));
            check("contentWeightingBackward" + c, () -> k.contentWeightingBackward(exact(off, n), off, 2f,
                    exact(off, n), off, exact(off, n), off, exact(off, n), off, n));
            check("interpolate" + c, () -> k.interpolate(exact(off, n), off, exact(off, n), off, 0.3f,
                    exact(off, n), off, n));
            check("interpolateBackward" + c, () -> k.interpolateBackward(exact(off, n), off, exact(off, n), off,
                    0.3f, exact(off, n), off, exact(off, n), off, exact(off, n), off, n));
            for (int range : new int[] {0, 1, 2, 5}) {
                int shifts = 2 * range + 1;
                check("shift" + c + " range=" + range, () -> k.shift(exact(off, n), off, exact(off, shifts), off,
                        range, exact(off, n), off, n));
                check("shiftBackward" + c + " range=" + range, () -> k.shiftBackward(exact(off, n), off,
                        exact(off, shifts), off, range, exact(off, n), off, exact(off, n), off,
                        exact(off, shifts), off, n));
            }
            check("sharpen" + c, () -> k.sharpen(exact(off, n), off, 1.5f, exact(off, n), off, n));
            check("sharpenBackward" + c, () -> k.sharpenBackward(exact(off, n), off, 1.5f, exact(off, n), off,
                    exact(off, n), off, exact(off, n), off, n));
            check("adam" + c, () -> k.adam(exact(off, n), off, exact(off, n), off, exact(off, n), off,
                    exact(off, n), off, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.5f, 0.5f, 1f));
            check("rmsprop" + c, () -> k.rmsprop(exact(off, n), off, exact(off, n), off, exact(off, n), off,
                    exact(off, n), off, exact(off, n), off, n, 1e-3f, 0.95f, 0.9f, 1e-4f, 1f));
            // the LSTM cell over one segment laid out [gates 4h][c_prev h][c h][tanh c h][h h], in two orders
            int h = n;
            check("lstmCellForward" + c, () -> k.lstmCellForward(exact(off, 8L * h), off, off + 4L * h,
                    off + 5L * h, off + 6L * h, off + 7L * h, h));
            check("lstmCellForward, gates last" + c, () -> k.lstmCellForward(exact(off, 8L * h), off + 4L * h,
                    off + 7L * h, off, off + h, off + 2L * h, h));
            check("lstmCellBackward" + c, () -> k.lstmCellBackward(exact(off, 6L * h), off, off + 4L * h,
                    off + 5L * h, exact(off, 6L * h), off, off + h, off + 2L * h, h));
        }
    }

    private void matrices(SimdKernels k, int off) {
        for (int rows : ROWS) {
            for (int cols : COLS) {
                for (int pad : new int[] {0, 5}) {
                    int ld = cols + pad;
                    String c = " " + rows + "x" + cols + " ld=" + ld + " off=" + off;
                    long w = span(rows, ld, cols);
                    for (boolean accumulate : new boolean[] {false, true}) {
                        check("gemv" + c, () -> k.gemv(exact(off, w), off, rows, cols, ld, exact(off, cols), off,
                                exact(off, rows), off, accumulate));
                    }
                    check("gemvTransposed" + c, () -> k.gemvTransposed(exact(off, w), off, rows, cols, ld,
                            exact(off, rows), off, exact(off, cols), off));
                    check("rank1Update" + c, () -> k.rank1Update(exact(off, w), off, rows, cols, ld, exact(off, rows),
                            off, exact(off, cols), off));
                    check("drainRows" + c, () -> k.drainRows(exact(off, span(rows, ld, ld)), off, ld,
                            exact(off, span(rows, ld + 1, cols)), off, ld + 1, rows, cols));
                    for (int batch : new int[] {1, 2, 5}) {
                        int ldx = cols + 2 * pad;
                        int ldy = rows + pad;
                        String cb = c + " batch=" + batch;
                        check("gemm" + cb, () -> k.gemm(exact(off, w), off, rows, cols, ld,
                                exact(off, span(batch, ldx, cols)), off, ldx, exact(off, span(batch, ldy, rows)), off,
                                ldy, batch, batch % 2 == 0));
                        check("gemmTransposed" + cb, () -> k.gemmTransposed(exact(off, w), off, rows, cols, ld,
                                exact(off, span(batch, ldy, rows)), off, ldy, exact(off, span(batch, ldx, cols)), off,
                                ldx, batch));
                        check("rankKUpdate" + cb, () -> k.rankKUpdate(exact(off, w), off, rows, cols, ld,
                                exact(off, span(batch, ldy, rows)), off, ldy, exact(off, span(batch, ldx, cols)), off,
                                ldx, batch));
                        int width = Bf16.pairedStride(cols);
                        for (int extra : new int[] {0, 2}) {
                            int ldw = width + extra;
                            long wOff = off == 0 ? 0 : 2;   // the bf16 offset must be even
                            check("gemmTransposedBf16" + cb + " ldw=" + ldw, () -> {
                                long elements = wOff + (long) (rows - 1) * ldw + width;
                                MemorySegment w16 = arena.allocate(2 * elements, 2).fill((byte) 0x3e);
                                k.gemmTransposedBf16(w16, wOff, rows, cols, ldw, exact(off, span(batch, ldy, rows)),
                                        off, ldy, exact(off, span(batch, ldx, cols)), off, ldx, batch);
                            });
                        }
                    }
                    int steps = 3;
                    int[] active = {2, 0, 3, 1};
                    int ldStep = Math.max(rows, cols) + pad;
                    long stride = span(3, ldStep, Math.max(rows, cols));
                    check("rankKUpdateSteps" + c, () -> k.rankKUpdateSteps(exact(off, w), off, rows, cols, ld,
                            exact(off, (steps - 1) * stride + rows), off, exact(off, (steps - 1) * stride + cols), off,
                            stride, ldStep, active, 1, steps));
                }
            }
        }
    }

    private void memories(SimdKernels k, int off) {
        for (int n : MEMORY_ROWS) {
            for (int m : MEMORY_COLS) {
                for (int pad : new int[] {0, 7}) {
                    int ld = n + pad;
                    String c = " n=" + n + " m=" + m + " ld=" + ld + " off=" + off;
                    long mem = span(m, ld, n);
                    check("rowNorms" + c, () -> k.rowNorms(exact(off, mem), off, n, m, ld, exact(off, n), off));
                    check("cosineSimilarity" + c, () -> k.cosineSimilarity(exact(off, m), off, exact(off, mem), off,
                            n, m, ld, exact(off, n), off, exact(off, n), off));
                    check("cosineSimilarityBackward" + c, () -> k.cosineSimilarityBackward(exact(off, m), off, 1.3f,
                            exact(off, mem), off, n, m, ld, exact(off, n), off, exact(off, n), off, exact(off, n), off,
                            exact(off, m), off, exact(off, mem), off));
                    check("read" + c, () -> k.read(exact(off, n), off, exact(off, mem), off, n, m, ld,
                            exact(off, m), off));
                    check("readBackward" + c, () -> k.readBackward(exact(off, n), off, exact(off, mem), off, n, m, ld,
                            exact(off, m), off, exact(off, n), off, exact(off, mem), off));
                    for (int heads = 0; heads <= 3; heads++) {
                        int ws = n + 1;
                        int es = m + 2;
                        int as = m + 3;
                        int h = Math.max(heads, 1);
                        int hs = heads;
                        check("eraseAdd" + c + " heads=" + heads, () -> k.eraseAdd(exact(off, mem), off,
                                exact(off, mem), off, n, m, ld, hs, exact(off, span(h, ws, n)), off, ws,
                                exact(off, span(h, es, m)), off, es, exact(off, span(h, as, m)), off, as));
                        check("eraseAddBackward" + c + " heads=" + heads, () -> k.eraseAddBackward(exact(off, mem),
                                off, exact(off, mem), off, exact(off, mem), off, n, m, ld, hs,
                                exact(off, span(h, ws, n)), off, ws, exact(off, span(h, es, m)), off, es,
                                exact(off, span(h, as, m)), off, as, exact(off, span(h, ws, n)), off,
                                exact(off, span(h, es, m)), off, exact(off, span(h, as, m)), off));
                    }
                }
            }
        }
    }

    /** A negative stride would shrink the checked span below the runs the kernel then visits. */
    @Test
    void negativeStridesAndLengthsAreRefusedAtEntry() {
        SimdKernels k = SimdKernels.create(256);
        int n = 16;
        int m = 2;
        MemorySegment mem = exact(0, (long) m * n);
        IllegalArgumentException head = assertThrows(IllegalArgumentException.class,
                () -> k.eraseAdd(mem, 0, exact(0, (long) m * n), 0, n, m, n, 2, exact(0, n), 0, -n,
                        exact(0, 2L * m), 0, m, exact(0, 2L * m), 0, m));
        assertTrue(head.getMessage().contains("stride -16"), head.getMessage());
        assertThrows(IllegalArgumentException.class, () -> k.read(exact(0, n), 0, mem, 0, n, m, -n,
                exact(0, m), 0));
        assertThrows(IllegalArgumentException.class, () -> k.gemm(exact(0, 20), 0, 2, -1, 8, exact(0, 40), 0,
                8, exact(0, 40), 0, 8, 4, false));
    }
}
