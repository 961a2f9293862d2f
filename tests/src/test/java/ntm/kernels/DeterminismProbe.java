package ntm.kernels;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Run in child JVMs by {@link DeterminismTest}: a fixed workload at one vector size, printed as one
 * line {@code "<run> <name> <hash of the output bits>"} per item, for the first run and, after
 * {@code reps} more runs (the JIT's warm-up), for the last.
 *
 * <p>Usage: {@code DeterminismProbe <reps>} with {@code -Dntm.probe.bits=128|256|512}. The species
 * is a {@code static final} constant so that C2 intrinsifies the Vector API calls, as it does in
 * {@link SimdKernels}. Items named {@code control ...} use the Vector API's own {@code EXP}, {@code LOG},
 * {@code LOG1P}, {@code TANH} and {@code reduceLanes(ADD)}: they show whether the intrinsics were in
 * play (their bits change once compiled) and are not expected to be deterministic.
 */
public final class DeterminismProbe {

    /** The vector size, from {@code -Dntm.probe.bits}. */
    static final int BITS = Integer.getInteger("ntm.probe.bits", 256);
    private static final VectorSpecies<Float> S = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    /** Inputs per item; a multiple of every vector length. */
    private static final int N = 2048;

    private static final int EXP = 0;
    private static final int LOG = 1;
    private static final int LOG1P = 2;
    private static final int TANH = 3;
    private static final int SIGMOID = 4;
    private static final int SOFTPLUS = 5;
    private static final String[] NAMES = {"exp", "log", "log1p", "tanh", "sigmoid", "softplus"};

    private DeterminismProbe() {
    }

    public static void main(String[] args) {
        int reps = Integer.parseInt(args[0]);
        Inputs in = new Inputs();
        Map<String, Long> first = run(in);
        Map<String, Long> last = first;
        for (int i = 0; i < reps; i++) {
            last = run(in);
        }
        first.forEach((k, v) -> System.out.println("first " + k + " " + Long.toHexString(v)));
        last.forEach((k, v) -> System.out.println("last " + k + " " + Long.toHexString(v)));
    }

    /** Fixed inputs: edge values, then random values over the range each function is used on. */
    static final class Inputs {
        final float[][] byOp = new float[NAMES.length][];
        final float[] sum = new float[N];

        Inputs() {
            SplittableRandom r = new SplittableRandom(20240611L);
            float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 0x1p-140f, Float.MIN_NORMAL,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.NaN, 1f, -1f, 88.72f, 89.5f, -87.5f, -103.5f, -104.5f, 0.625f, -0.625f, 9.5f, 1e-16f};
            for (int op = 0; op < NAMES.length; op++) {
                float[] a = new float[N];
                System.arraycopy(edges, 0, a, 0, edges.length);
                for (int i = edges.length; i < N; i++) {
                    a[i] = switch (op) {
                        case EXP -> (float) (r.nextDouble() * 200 - 108);
                        case LOG -> (float) Math.scalb(1 + r.nextDouble(), r.nextInt(-150, 128));
                        case LOG1P -> (float) (i % 2 == 0 ? r.nextDouble() : Math.scalb(r.nextDouble(), -r.nextInt(40)));
                        default -> (float) (r.nextDouble() * 24 - 12) / (1 + r.nextInt(8));
                    };
                }
                byOp[op] = a;
            }
            for (int i = 0; i < N; i++) {
                sum[i] = (float) Math.scalb(r.nextDouble() - 0.5, r.nextInt(-20, 20));
            }
        }
    }

    static Map<String, Long> run(Inputs in) {
        Map<String, Long> h = new LinkedHashMap<>();
        float[] out = new float[N];
        for (int op = 0; op < NAMES.length; op++) {
            vector(op, in.byOp[op], out);
            h.put("vector " + NAMES[op], hash(out));
            scalar(op, in.byOp[op], out);
            h.put("scalar " + NAMES[op], hash(out));
        }
        h.put("vector sum", sums(in.sum, out));
        h.put("control exp", control(EXP, in.byOp[EXP], out));
        h.put("control log", control(LOG, in.byOp[LOG], out));
        h.put("control log1p", control(LOG1P, in.byOp[LOG1P], out));
        h.put("control tanh", control(TANH, in.byOp[TANH], out));
        h.put("control sum", controlSums(in.sum, out));
        return h;
    }

    private static void vector(int op, float[] x, float[] y) {
        for (int i = 0; i < x.length; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector r = switch (op) {
                case EXP -> VectorMath.exp(v);
                case LOG -> VectorMath.log(v);
                case LOG1P -> VectorMath.log1p(v);
                case TANH -> VectorMath.tanh(v);
                case SIGMOID -> VectorMath.sigmoid(v);
                default -> VectorMath.softplus(v);
            };
            r.intoArray(y, i);
        }
    }

    private static void scalar(int op, float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] = switch (op) {
                case EXP -> VectorMath.exp(x[i]);
                case LOG -> VectorMath.log(x[i]);
                case LOG1P -> VectorMath.log1p(x[i]);
                case TANH -> VectorMath.tanh(x[i]);
                case SIGMOID -> VectorMath.sigmoid(x[i]);
                default -> VectorMath.softplus(x[i]);
            };
        }
    }

    /** Sums of every vector of x, and of running sums of vectors (cancellation makes order show). */
    private static long sums(float[] x, float[] y) {
        Arrays.fill(y, 0f);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0, j = 0; i < x.length; i += S.length(), j += 2) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            acc = acc.add(v);
            y[j] = VectorMath.sum(v);
            y[j + 1] = VectorMath.sum(acc);
        }
        return hash(y);
    }

    /** The Vector API's own operator; a constant at each call so that C2 can intrinsify it. */
    private static long control(int op, float[] x, float[] y) {
        for (int i = 0; i < x.length; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector r = switch (op) {
                case EXP -> v.lanewise(VectorOperators.EXP);
                case LOG -> v.lanewise(VectorOperators.LOG);
                case LOG1P -> v.lanewise(VectorOperators.LOG1P);
                default -> v.lanewise(VectorOperators.TANH);
            };
            r.intoArray(y, i);
        }
        return hash(y);
    }

    private static long controlSums(float[] x, float[] y) {
        Arrays.fill(y, 0f);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0, j = 0; i < x.length; i += S.length(), j += 2) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            acc = acc.add(v);
            y[j] = v.reduceLanes(VectorOperators.ADD);
            y[j + 1] = acc.reduceLanes(VectorOperators.ADD);
        }
        return hash(y);
    }

    /** FNV-1a over the float bits, NaNs made canonical. */
    static long hash(float[] a) {
        long h = 0xcbf29ce484222325L;
        for (float f : a) {
            h = (h ^ Float.floatToIntBits(f)) * 0x100000001b3L;
        }
        return h;
    }
}
