package dev.ntm.engine.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import dev.ntm.engine.model.EngineFixtures;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * {@link Memory}: the row-major/column-major boundary, and read plus a two-head erase/add write
 * (both heads focused on the same row) with their backward passes, against double precision and
 * central differences of {@code L = sum U * M_out + sum v * r} with random U and v.
 * Tolerance: 1e-3 of each gradient's norm (float32 against double).
 */
class MemoryTest {

    private static final int N = 6;
    private static final int M = 5;

    @Test
    void rowMajorBoundaryRoundTrips() {
        try (Arena arena = Arena.ofConfined()) {
            Memory memory = new Memory(EngineFixtures.kernelsUnderTest().get(0), N, M);
            assertEquals(16, memory.ld());
            float[] rowMajor = new float[N * M];
            for (int i = 0; i < rowMajor.length; i++) {
                rowMajor[i] = i * 0.25f - 3f;
            }
            MemorySegment src = EngineFixtures.segment(arena, rowMajor);
            MemorySegment col = Buffers.allocate(arena, memory.size());
            memory.fromRowMajor(src, 0, col, 0, false);
            assertEquals(rowMajor[2 * M + 3], Buffers.get(col, 3L * memory.ld() + 2), "cell (2, 3)");
            float[] back = new float[N * M];
            memory.toRowMajor(col, 0, back, 0);
            assertArrayEquals(rowMajor, back);

            memory.fromRowMajor(src, 0, col, 0, true);
            assertEquals((float) Math.tanh(rowMajor[7]), Buffers.get(col, 2L * memory.ld() + 1), 1e-7f, "tanh cell (1, 2)");
            // gradient back: plain, and through tanh
            MemorySegment grad = Buffers.allocate(arena, N * M);
            memory.addToRowMajor(col, 0, null, 0, grad, 0);
            memory.addToRowMajor(col, 0, col, 0, grad, 0);
            float t = (float) Math.tanh(rowMajor[7]);
            assertEquals(t + t * (1 - t * t), Buffers.get(grad, 7), 1e-6f, "accumulated gradient of cell (1, 2)");
        }
    }

    @Test
    void readAndTwoHeadWriteOnOneRowMatchCentralDifferences() {
        SplitMix64 rng = new SplitMix64(4);
        double[][] mem = new double[N][M];
        for (double[] row : mem) {
            for (int j = 0; j < M; j++) {
                row[j] = rng.gaussian();
            }
        }
        double[][] w = new double[3][N];      // read head, write head 0, write head 1
        for (int h = 0; h < 3; h++) {
            double sum = 0;
            for (int i = 0; i < N; i++) {
                w[h][i] = (h > 0 && i == 2) ? 20 : rng.nextDouble();   // both writers peak on row 2
                sum += w[h][i];
            }
            for (int i = 0; i < N; i++) {
                w[h][i] /= sum;
            }
        }
        double[][] e = new double[2][M];
        double[][] add = new double[2][M];
        for (int h = 0; h < 2; h++) {
            for (int j = 0; j < M; j++) {
                e[h][j] = 1 / (1 + Math.exp(-rng.gaussian()));
                add[h][j] = Math.tanh(rng.gaussian());
            }
        }
        double[][] u = new double[N][M];
        double[] v = new double[M];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < M; j++) {
                u[i][j] = rng.gaussian();
            }
        }
        for (int j = 0; j < M; j++) {
            v[j] = rng.gaussian();
        }
        for (Kernels k : EngineFixtures.kernelsUnderTest()) {
            check(k, mem, w, e, add, u, v);
        }
    }

    private static double loss(double[][] mem, double[][] w, double[][] e, double[][] add, double[][] u, double[] v) {
        double l = 0;
        for (int j = 0; j < M; j++) {
            double r = 0;
            for (int i = 0; i < N; i++) {
                r += w[0][i] * mem[i][j];
            }
            l += v[j] * r;
        }
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < M; j++) {
                double x = mem[i][j];
                for (int h = 0; h < 2; h++) {
                    x = x * (1 - w[h + 1][i] * e[h][j]) + w[h + 1][i] * add[h][j];
                }
                l += u[i][j] * x;
            }
        }
        return l;
    }

    private static void check(Kernels k, double[][] mem, double[][] w, double[][] e, double[][] add, double[][] u,
                              double[] v) {
        try (Arena arena = Arena.ofConfined()) {
            Memory memory = new Memory(k, N, M);
            int ld = memory.ld();
            int p = 2 * M;      // per write head: e then a
            long memIn = 0;
            long memOut = memIn + memory.size();
            long wts = memOut + memory.size();           // 3 weightings, ld apart
            long ea = wts + 3L * ld;                      // 2 heads x [e ; a]
            long r = ea + 2L * p;
            MemorySegment a = Buffers.allocate(arena, r + M);
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < M; j++) {
                    Buffers.set(a, memIn + (long) j * ld + i, (float) mem[i][j]);
                }
                for (int h = 0; h < 3; h++) {
                    Buffers.set(a, wts + (long) h * ld + i, (float) w[h][i]);
                }
            }
            for (int h = 0; h < 2; h++) {
                for (int j = 0; j < M; j++) {
                    Buffers.set(a, ea + (long) h * p + j, (float) e[h][j]);
                    Buffers.set(a, ea + (long) h * p + M + j, (float) add[h][j]);
                }
            }
            memory.read(a, wts, memIn, r);
            memory.write(a, memIn, memOut, 0, new WriteSlots(2, wts + ld, ld, ea, ea + M, p));

            // backward: dM = U, dr = v
            long dmem = 0;
            long dw = dmem + memory.size();
            long dea = dw + 3L * ld;
            long dr = dea + 2L * p;
            MemorySegment d = Buffers.allocate(arena, dr + M);
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < M; j++) {
                    Buffers.set(d, dmem + (long) j * ld + i, (float) u[i][j]);
                }
            }
            for (int j = 0; j < M; j++) {
                Buffers.set(d, dr + j, (float) v[j]);
            }
            memory.writeBackward(a, memIn, 0, new WriteSlots(2, wts + ld, ld, ea, ea + M, p), d, dmem, 0,
                    new WriteSlots(2, dw + ld, ld, dea, dea + M, p));
            memory.readBackward(a, wts, memIn, d, dr, dw, dmem);

            double h = 1e-6;
            String label = "[" + k.name() + "] ";
            double[] gMem = new double[N * M];
            double[] eMem = new double[N * M];
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < M; j++) {
                    double keep = mem[i][j];
                    mem[i][j] = keep + h;
                    double lp = loss(mem, w, e, add, u, v);
                    mem[i][j] = keep - h;
                    double lm = loss(mem, w, e, add, u, v);
                    mem[i][j] = keep;
                    eMem[i * M + j] = (lp - lm) / (2 * h);
                    gMem[i * M + j] = Buffers.get(d, dmem + (long) j * ld + i);
                }
            }
            assertNear(label + "dM before the write", eMem, gMem);
            for (int hd = 0; hd < 3; hd++) {
                double[] got = new double[N];
                double[] exp = new double[N];
                for (int i = 0; i < N; i++) {
                    double keep = w[hd][i];
                    w[hd][i] = keep + h;
                    double lp = loss(mem, w, e, add, u, v);
                    w[hd][i] = keep - h;
                    double lm = loss(mem, w, e, add, u, v);
                    w[hd][i] = keep;
                    exp[i] = (lp - lm) / (2 * h);
                    got[i] = Buffers.get(d, dw + (long) hd * ld + i);
                }
                assertNear(label + "dw of " + (hd == 0 ? "the read head" : "write head " + (hd - 1)), exp, got);
            }
            for (int hd = 0; hd < 2; hd++) {
                double[] gotE = new double[M];
                double[] expE = new double[M];
                double[] gotA = new double[M];
                double[] expA = new double[M];
                for (int j = 0; j < M; j++) {
                    double keep = e[hd][j];
                    e[hd][j] = keep + h;
                    double lp = loss(mem, w, e, add, u, v);
                    e[hd][j] = keep - h;
                    double lm = loss(mem, w, e, add, u, v);
                    e[hd][j] = keep;
                    expE[j] = (lp - lm) / (2 * h);
                    gotE[j] = Buffers.get(d, dea + (long) hd * p + j);
                    keep = add[hd][j];
                    add[hd][j] = keep + h;
                    lp = loss(mem, w, e, add, u, v);
                    add[hd][j] = keep - h;
                    lm = loss(mem, w, e, add, u, v);
                    add[hd][j] = keep;
                    expA[j] = (lp - lm) / (2 * h);
                    gotA[j] = Buffers.get(d, dea + (long) hd * p + M + j);
                }
                assertNear(label + "de of write head " + hd, expE, gotE);
                assertNear(label + "da of write head " + hd, expA, gotA);
            }
        }
    }

    private static void assertNear(String what, double[] expected, double[] got) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (got[i] - expected[i]) * (got[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        assertTrue(Math.sqrt(diff) <= 1e-3 * Math.sqrt(norm),
                what + ": error " + Math.sqrt(diff) + " against norm " + Math.sqrt(norm));
    }
}
