package dev.ntm.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Run in child JVMs by {@link DeterminismTest}: every {@link SimdKernels} method and every
 * {@link VectorMath} twin on fixed inputs at one vector size, printed as one line
 * {@code "<run> <item> <hash of the output bits>"} per item, for the first run and, after
 * {@code reps} more runs (the JIT's warm-up), for the last; and first a line {@code "calls <count>"}
 * with the number of kernel calls, each made from a lambda of its own.
 *
 * <p>Usage: {@code DeterminismProbe <reps>} with {@code -Dntm.probe.bits=128|256|512}. Only that
 * size's kernels are loaded, as in production, so that C2 sees a constant species and
 * intrinsifies the Vector API calls. Every kernel call starts from the same buffer contents, and
 * its item hashes all buffers after it plus its return value. Items named {@code control ...} use
 * the Vector API's own {@code EXP}, {@code LOG}, {@code LOG1P}, {@code TANH} and
 * {@code reduceLanes(ADD)}, which the kernels avoid: their bits change once C2 compiles them, which
 * shows that the intrinsics were in play.
 */
public final class DeterminismProbe {

    /** The vector size, from {@code -Dntm.probe.bits}. */
    static final int BITS = Integer.getInteger("ntm.probe.bits", 256);
    private static final VectorSpecies<Float> S = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    /** Memory rows and columns: tails at every vector size. */
    private static final int N = 37;
    private static final int M = 7;
    /** Matrix rows and columns and batch: blocks of 4 and 2 with remainders, column tails. */
    private static final int ROWS = 23;
    private static final int COLS = 41;
    private static final int BATCH = 6;
    /** Floats per buffer: enough for every shape above. */
    private static final int BIG = 1024;
    private static final int BUFFERS = 12;
    /** Inputs of the twin and control items; a multiple of every vector length. */
    private static final int TWIN_N = 1024;

    private DeterminismProbe() {
    }

    /** One kernel call on the probe's buffers; returns the kernel's result, or 0 for void kernels. */
    @FunctionalInterface
    private interface Call {
        double run();
    }

    public static void main(String[] args) {
        int reps = Integer.parseInt(args[0]);
        Workload w = new Workload();
        Map<String, Long> first = w.run(true);
        Map<String, Long> last = first;
        for (int i = 0; i < reps; i++) {
            last = w.run(i == reps - 1);
        }
        System.out.println("calls " + w.calls.size());
        first.forEach((k, v) -> System.out.println("first " + k + " " + Long.toHexString(v)));
        last.forEach((k, v) -> System.out.println("last " + k + " " + Long.toHexString(v)));
    }

    /** The buffers, their initial contents, and the calls. */
    static final class Workload {
        private final MemorySegment[] b = new MemorySegment[BUFFERS];
        private final float[][] init = new float[BUFFERS][];
        private final Map<String, Call> calls = new LinkedHashMap<>();
        private final float[][] twinIn = new float[6][];
        private final float[] sumIn = new float[TWIN_N];
        private final float[] out = new float[TWIN_N];
        private final float[] bufferOut = new float[BIG];

        Workload() {
            SplittableRandom r = new SplittableRandom(20240611L);
            Arena arena = Arena.ofAuto();
            for (int i = 0; i < BUFFERS; i++) {
                init[i] = new float[BIG];
                for (int j = 0; j < BIG; j++) {
                    // buffer 0 signed and wide (activations, logits), the others small and positive
                    // (weightings, norms, rates) so that every log has a positive argument
                    init[i][j] = i == 0 ? (float) (r.nextDouble() * 24 - 12) : (float) (0.01 + 0.5 * r.nextDouble());
                }
                b[i] = Buffers.allocate(arena, BIG);
            }
            float[] edges = {0f, -0f, Float.MIN_VALUE, 0x1p-140f, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f, -1f, 88.72f, 89.5f, -87.5f, -103.5f,
                -104.5f, 0.625f, -0.625f, 9.5f, 1e-16f};
            for (int op = 0; op < twinIn.length; op++) {
                float[] a = new float[TWIN_N];
                System.arraycopy(edges, 0, a, 0, edges.length);
                for (int i = edges.length; i < TWIN_N; i++) {
                    a[i] = switch (op) {
                        case 0 -> (float) (r.nextDouble() * 200 - 108);
                        case 1 -> (float) Math.scalb(1 + r.nextDouble(), r.nextInt(-150, 128));
                        case 2 -> (float) Math.scalb(r.nextDouble(), -r.nextInt(40));
                        default -> (float) (r.nextDouble() * 24 - 12) / (1 + r.nextInt(8));
                    };
                }
                twinIn[op] = a;
            }
            for (int i = 0; i < TWIN_N; i++) {
                sumIn[i] = (float) Math.scalb(r.nextDouble() - 0.5, r.nextInt(-20, 20));
            }
            addKernelCalls(SimdKernels.create(BITS));
        }

        private void addKernelCalls(SimdKernels k) {
            int n = N;
            int m = M;
            int ld = Buffers.alignUp(n);
            int rows = ROWS;
            int cols = COLS;
            int batch = BATCH;
            int ldx = cols + 3;
            int ldy = rows + 1;
            calls.put("dot", () -> k.dot(b[0], 1, b[1], 0, n));
            calls.put("axpy", () -> {
                k.axpy(0.7f, b[0], 0, b[2], 1, n);
                return 0;
            });
            calls.put("scale", () -> {
                k.scale(1.3f, b[0], 0, n);
                return 0;
            });
            calls.put("sumOfSquares", () -> k.sumOfSquares(b[0], 0, n));
            calls.put("clamp", () -> {
                k.clamp(b[0], 0, n, 5f);
                return 0;
            });
            calls.put("gemv", () -> {
                k.gemv(b[1], 0, rows, cols, cols, b[0], 0, b[2], 0, false);
                return 0;
            });
            calls.put("gemvTransposed", () -> {
                k.gemvTransposed(b[1], 0, rows, cols, cols, b[0], 0, b[3], 0);
                return 0;
            });
            calls.put("rank1Update", () -> {
                k.rank1Update(b[3], 0, rows, cols, cols, b[0], 0, b[1], 0);
                return 0;
            });
            calls.put("gemm", () -> {
                k.gemm(b[1], 0, rows, cols, cols, b[0], 0, ldx, b[2], 0, ldy, batch, true);
                return 0;
            });
            calls.put("gemmTransposed", () -> {
                k.gemmTransposed(b[1], 0, rows, cols, cols, b[0], 0, ldy, b[3], 0, ldx, batch);
                return 0;
            });
            calls.put("rankKUpdate", () -> {
                k.rankKUpdate(b[3], 0, rows, cols, cols, b[0], 0, ldy, b[1], 0, ldx, batch);
                return 0;
            });
            int[] active = {2, 2, 1};
            calls.put("rankKUpdateSteps", () -> {
                k.rankKUpdateSteps(b[3], 0, rows, cols, cols, b[0], 0, b[1], 0, 2L * ldx, ldx, active, 0, active.length);
                return 0;
            });
            calls.put("sigmoid", () -> {
                k.sigmoid(b[0], 0, b[2], 0, n);
                return 0;
            });
            calls.put("tanh", () -> {
                k.tanh(b[0], 0, b[2], 0, n);
                return 0;
            });
            calls.put("softplus", () -> {
                k.softplus(b[0], 0, b[0], 0, n);
                return 0;
            });
            calls.put("sigmoidBackward", () -> {
                k.sigmoidBackward(b[1], 0, b[0], 0, b[3], 0, n);
                return 0;
            });
            calls.put("tanhBackward", () -> {
                k.tanhBackward(b[1], 0, b[0], 0, b[3], 0, n);
                return 0;
            });
            calls.put("softplusBackward", () -> {
                k.softplusBackward(b[0], 0, b[1], 0, b[3], 0, n);
                return 0;
            });
            calls.put("softmax", () -> {
                k.softmax(b[0], 0, b[2], 0, n);
                return 0;
            });
            calls.put("softmaxBackward", () -> {
                k.softmaxBackward(b[1], 0, b[0], 0, b[3], 0, n);
                return 0;
            });
            calls.put("clip", () -> {
                k.clip(b[0], 0, b[2], 0, n, 5f);
                return 0;
            });
            calls.put("clipBackward", () -> {
                k.clipBackward(b[0], 0, b[2], 0, n, 5f);
                return 0;
            });
            calls.put("rowNorms", () -> {
                k.rowNorms(b[4], 0, n, m, ld, b[5], 0);
                return 0;
            });
            calls.put("cosineSimilarity", () -> k.cosineSimilarity(b[0], 0, b[4], 0, n, m, ld, b[5], 0, b[6], 0));
            calls.put("cosineSimilarityBackward", () -> {
                k.cosineSimilarityBackward(b[0], 0, 1.7f, b[4], 0, n, m, ld, b[5], 0, b[6], 0, b[1], 0, b[3], 0,
                        b[7], 0);
                return 0;
            });
            calls.put("contentWeighting", () -> {
                k.contentWeighting(b[0], 0, 5f, b[2], 0, n);
                return 0;
            });
            calls.put("contentWeightingBackward", () -> k.contentWeightingBackward(b[0], 0, 5f, b[2], 0, b[1], 0,
                    b[3], 0, n));
            calls.put("interpolate", () -> {
                k.interpolate(b[0], 0, b[1], 0, 0.3f, b[2], 0, n);
                return 0;
            });
            calls.put("interpolateBackward", () -> k.interpolateBackward(b[0], 0, b[1], 0, 0.3f, b[2], 0, b[3], 0,
                    b[8], 0, n));
            calls.put("shift", () -> {
                k.shift(b[1], 0, b[2], 0, 1, b[3], 0, n);
                return 0;
            });
            calls.put("shiftBackward", () -> {
                k.shiftBackward(b[1], 0, b[2], 0, 1, b[0], 0, b[3], 0, b[8], 0, n);
                return 0;
            });
            calls.put("sharpen", () -> {
                k.sharpen(b[1], 0, 2.5f, b[2], 0, n);
                return 0;
            });
            calls.put("sharpenBackward", () -> k.sharpenBackward(b[1], 0, 2.5f, b[2], 0, b[0], 0, b[3], 0, n));
            calls.put("read", () -> {
                k.read(b[1], 0, b[4], 0, n, m, ld, b[2], 0);
                return 0;
            });
            calls.put("readBackward", () -> {
                k.readBackward(b[1], 0, b[4], 0, n, m, ld, b[0], 0, b[3], 0, b[7], 0);
                return 0;
            });
            calls.put("eraseAdd", () -> {
                k.eraseAdd(b[4], 0, b[9], 0, n, m, ld, 2, b[1], 0, ld, b[2], 0, m, b[0], 0, m);
                return 0;
            });
            calls.put("eraseAddBackward", () -> {
                k.eraseAddBackward(b[4], 0, b[0], 0, b[10], 0, n, m, ld, 2, b[1], 0, ld, b[2], 0, m, b[5], 0, m,
                        b[3], 0, b[8], 0, b[11], 0);
                return 0;
            });
            calls.put("bceWithLogits", () -> k.bceWithLogits(b[0], 0, b[1], 0, b[3], 0, n, 0.25f));
            calls.put("adam", () -> {
                k.adam(b[8], 0, b[0], 0, b[9], 0, b[10], 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.5f, 0.25f, 0.5f);
                return 0;
            });
            calls.put("rmsprop", () -> {
                k.rmsprop(b[8], 0, b[0], 0, b[10], 0, b[11], 0, b[9], 0, n, 1e-4f, 0.95f, 0.9f, 1e-4f, 0.5f);
                return 0;
            });
            calls.put("expAt", () -> {
                k.expAt(b[0], 0);
                return 0;
            });
            calls.put("logAt", () -> {
                k.logAt(b[1], 0);
                return 0;
            });
            calls.put("log1pAt", () -> {
                k.log1pAt(b[1], 0);
                return 0;
            });
        }

        /** Every item once; hashes only if {@code hash} (the warm-up runs skip the hashing). */
        Map<String, Long> run(boolean hash) {
            Map<String, Long> h = new LinkedHashMap<>();
            for (Map.Entry<String, Call> e : calls.entrySet()) {
                for (int i = 0; i < BUFFERS; i++) {
                    Buffers.copy(init[i], 0, b[i], 0, BIG);
                }
                double ret = e.getValue().run();
                if (hash) {
                    long x = Double.doubleToLongBits(ret);
                    for (MemorySegment s : b) {
                        Buffers.copy(s, 0, bufferOut, 0, BIG);
                        for (float f : bufferOut) {
                            x = mix(x, Float.floatToIntBits(f));
                        }
                    }
                    h.put("kernel " + e.getKey(), x);
                }
            }
            twins(h, hash);
            controls(h, hash);
            return h;
        }

        private void twins(Map<String, Long> h, boolean hash) {
            String[] names = {"exp", "log", "log1p", "tanh", "sigmoid", "softplus"};
            for (int op = 0; op < names.length; op++) {
                float[] x = twinIn[op];
                for (int i = 0; i < TWIN_N; i++) {
                    out[i] = switch (op) {
                        case 0 -> VectorMath.exp(x[i]);
                        case 1 -> VectorMath.log(x[i]);
                        case 2 -> VectorMath.log1p(x[i]);
                        case 3 -> VectorMath.tanh(x[i]);
                        case 4 -> VectorMath.sigmoid(x[i]);
                        default -> VectorMath.softplus(x[i]);
                    };
                }
                if (hash) {
                    h.put("twin " + names[op], hash(out));
                }
            }
        }

        /** The Vector API's own operators, each in a small method of its own so that C2 intrinsifies it. */
        private void controls(Map<String, Long> h, boolean hash) {
            control(0, twinIn[0], out);
            if (hash) {
                h.put("control exp", hash(out));
            }
            control(1, twinIn[1], out);
            if (hash) {
                h.put("control log", hash(out));
            }
            control(2, twinIn[2], out);
            if (hash) {
                h.put("control log1p", hash(out));
            }
            control(3, twinIn[3], out);
            if (hash) {
                h.put("control tanh", hash(out));
            }
            controlSums(sumIn, out);
            if (hash) {
                h.put("control sum", hash(out));
            }
        }
    }

    /** {@code op} 0 to 3: EXP, LOG, LOG1P, TANH, each a constant operator at its own call. */
    private static void control(int op, float[] x, float[] y) {
        for (int i = 0; i < x.length; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector r = switch (op) {
                case 0 -> v.lanewise(VectorOperators.EXP);
                case 1 -> v.lanewise(VectorOperators.LOG);
                case 2 -> v.lanewise(VectorOperators.LOG1P);
                default -> v.lanewise(VectorOperators.TANH);
            };
            r.intoArray(y, i);
        }
    }

    private static void controlSums(float[] x, float[] y) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0, j = 0; i < x.length; i += S.length(), j += 2) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            acc = acc.add(v);
            y[j] = v.reduceLanes(VectorOperators.ADD);
            y[j + 1] = acc.reduceLanes(VectorOperators.ADD);
        }
    }

    private static long mix(long h, int bits) {
        return (h ^ bits) * 0x100000001b3L;
    }

    /** FNV-1a over the float bits, NaNs made canonical. */
    static long hash(float[] a) {
        long h = 0xcbf29ce484222325L;
        for (float f : a) {
            h = mix(h, Float.floatToIntBits(f));
        }
        return h;
    }
}
