package dev.ntm.engine.addressing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.ToDoubleFunction;

import org.junit.jupiter.api.Test;

import dev.ntm.engine.memory.Memory;
import dev.ntm.engine.model.EngineFixtures;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * {@link Addressing} (the composed chain cosine, content softmax, interpolation, shift, sharpen,
 * and its backward in reverse order) against a plain double-precision re-implementation and its
 * central differences, on the edge cases that hide errors: g at 0 and 1, gamma near 1, shifts that
 * wrap (2S+1 = N), previous weightings near zero, content-only mode.
 *
 * <p>The upstream gradient is non-uniform ({@code L = sum_i u_i w_i} with random u), because a
 * weighting sums to one and a uniform u would hide errors. Forward within 1e-5 absolute (float
 * rounding of values in [0, 1]); every gradient within 1e-3 of its norm (float32 against double
 * central differences with step 1e-6, whose own error is below 1e-8).
 */
class AddressingTest {

    /** One head's inputs, in double. */
    record Case(String name, int n, int m, int shiftRange, double[] key, double beta, double g, double[] s,
                double gamma, double[] wPrev, double[][] mem, boolean location) {
    }

    private static Case random(String name, int n, int m, int shiftRange, double g, double gamma, long seed,
                               boolean location, double wPrevFloor) {
        SplitMix64 rng = new SplitMix64(seed);
        double[] key = new double[m];
        for (int j = 0; j < m; j++) {
            key[j] = Math.tanh(rng.gaussian());
        }
        double[] s = new double[2 * shiftRange + 1];
        double sum = 0;
        for (int j = 0; j < s.length; j++) {
            s[j] = 0.1 + rng.nextDouble();
            sum += s[j];
        }
        for (int j = 0; j < s.length; j++) {
            s[j] /= sum;
        }
        double[] wPrev = new double[n];
        sum = 0;
        for (int i = 0; i < n; i++) {
            wPrev[i] = i % 3 == 1 ? wPrevFloor : rng.nextDouble();
            sum += wPrev[i];
        }
        for (int i = 0; i < n; i++) {
            wPrev[i] /= sum;
        }
        double[][] mem = new double[n][m];
        for (double[] row : mem) {
            for (int j = 0; j < m; j++) {
                row[j] = 0.5 * rng.gaussian();
            }
        }
        return new Case(name, n, m, shiftRange, key, 2.5, g, s, gamma, wPrev, mem, location);
    }

    @Test
    void matchesDoublePrecisionCentralDifferences() {
        check(random("generic", 7, 4, 1, 0.6, 2.3, 1, true, 0.05));
        check(random("g = 0 (previous weighting only)", 7, 4, 1, 0.0, 1.7, 2, true, 0.05));
        check(random("g = 1 (content only, then shift)", 7, 4, 1, 1.0, 1.7, 3, true, 0.05));
        check(random("gamma near 1", 9, 5, 1, 0.4, 1.0001, 4, true, 0.05));
        check(random("shifts wrap, 2S+1 = N = 3", 3, 4, 1, 0.5, 2.0, 5, true, 0.05));
        check(random("shifts wrap, 2S+1 = N = 5", 5, 3, 2, 0.5, 3.0, 6, true, 0.05));
        check(random("previous weighting near zero", 8, 4, 1, 0.3, 2.0, 7, true, 1e-12));
        check(random("content-only mode", 7, 4, 1, 0.5, 2.0, 8, false, 0.05));
        check(random("N = 20 (padded columns)", 20, 6, 2, 0.7, 1.3, 9, true, 0.05));
    }

    /** The chain in double: w for the case with the given inputs. */
    static double[] forward(Case c, double[] key, double beta, double g, double[] s, double gamma, double[] wPrev,
                            double[][] mem) {
        int n = c.n();
        double kn = norm(key);
        double[] wc = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double dot = 0;
            for (int j = 0; j < c.m(); j++) {
                dot += key[j] * mem[i][j];
            }
            wc[i] = beta * dot / (kn * norm(mem[i]) + 1e-8);
            max = Math.max(max, wc[i]);
        }
        normaliseExp(wc, max);
        if (!c.location()) {
            return wc;
        }
        double[] ws = new double[n];
        int shifts = s.length;
        int sr = (shifts - 1) / 2;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < shifts; j++) {
                int from = Math.floorMod(i - (j - sr), n);
                ws[i] += (g * wc[from] + (1 - g) * wPrev[from]) * s[j];
            }
        }
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.pow(ws[i] + 1e-16, gamma);
            sum += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= sum;
        }
        return w;
    }

    private static void normaliseExp(double[] v, double max) {
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= sum;
        }
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static void check(Case c) {
        for (Kernels k : EngineFixtures.kernelsUnderTest()) {
            check(c, k);
        }
    }

    private static void check(Case c, Kernels k) {
        int n = c.n();
        int m = c.m();
        int shifts = c.s().length;
        SplitMix64 rng = new SplitMix64(99);
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            u[i] = rng.gaussian();
        }
        String label = c.name() + " [" + k.name() + "]";
        try (Arena arena = Arena.ofConfined()) {
            Memory memory = new Memory(k, n, m);
            int ld = memory.ld();
            Addressing addressing = new Addressing(k, n, m, ld, c.shiftRange(), c.location(), arena);
            int p = m + 3 + shifts;
            // layout of the activation segment
            long act = 0;
            long mem = Buffers.alignUp(p);
            long norms = mem + (long) m * ld;
            long wPrev = norms + ld;
            long sim = wPrev + ld;
            long wc = sim + ld;
            long wg = wc + ld;
            long ws = wg + ld;
            long w = ws + ld;
            MemorySegment a = Buffers.allocate(arena, w + ld);
            for (int j = 0; j < m; j++) {
                Buffers.set(a, act + j, (float) c.key()[j]);
            }
            Buffers.set(a, act + HeadActivations.beta(m), (float) c.beta());
            Buffers.set(a, act + HeadActivations.gate(m), (float) c.g());
            for (int j = 0; j < shifts; j++) {
                Buffers.set(a, act + HeadActivations.shift(m) + j, (float) c.s()[j]);
            }
            Buffers.set(a, act + HeadActivations.gamma(m, c.shiftRange()), (float) c.gamma());
            for (int i = 0; i < n; i++) {
                Buffers.set(a, wPrev + i, (float) c.wPrev()[i]);
                for (int j = 0; j < m; j++) {
                    Buffers.set(a, mem + (long) j * ld + i, (float) c.mem()[i][j]);
                }
            }
            memory.rowNorms(a, mem, norms);
            HeadSlots slots = new HeadSlots(act, sim, wc, wg, ws, w);
            float keyNorm = addressing.forward(a, 0, slots, mem, norms, wPrev);

            double[] wRef = forward(c, c.key(), c.beta(), c.g(), c.s(), c.gamma(), c.wPrev(), c.mem());
            for (int i = 0; i < n; i++) {
                double got = Buffers.get(a, w + i);
                assertTrue(Math.abs(got - wRef[i]) <= 1e-5, label + ": w[" + i + "] = " + got + ", expected " + wRef[i]);
            }

            // backward with dw = u; gradient buffers: dw, dwPrev (aliased, as the network uses them), dact, dmem
            long dw = 0;
            long dact = ld;
            long dmem = dact + Buffers.alignUp(p);
            MemorySegment d = Buffers.allocate(arena, dmem + (long) m * ld);
            for (int i = 0; i < n; i++) {
                Buffers.set(d, dw + i, (float) u[i]);
            }
            addressing.backward(a, 0, slots, keyNorm, mem, norms, wPrev, d, 0, new HeadGradientSlots(dact, dw), dmem);

            // central differences of L = sum u_i w_i
            double h = 1e-6;
            double[] dKey = new double[m];
            for (int j = 0; j < m; j++) {
                int jj = j;
                dKey[j] = fd(x -> loss(c, u, perturb(c.key(), jj, x), c.beta(), c.g(), c.s(), c.gamma(), c.wPrev(),
                        c.mem()), h);
            }
            assertClose(label + ": dk", dKey, d, dact, 0);
            assertClose(label + ": dbeta", new double[] {fd(x -> loss(c, u, c.key(), c.beta() + x, c.g(), c.s(),
                    c.gamma(), c.wPrev(), c.mem()), h)}, d, dact + HeadActivations.beta(m), 0);
            double[][] dMem = new double[n][m];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    int ii = i;
                    int jj = j;
                    dMem[i][j] = fd(x -> loss(c, u, c.key(), c.beta(), c.g(), c.s(), c.gamma(), c.wPrev(),
                            perturb(c.mem(), ii, jj, x)), h);
                }
            }
            for (int j = 0; j < m; j++) {
                double[] col = new double[n];
                for (int i = 0; i < n; i++) {
                    col[i] = dMem[i][j];
                }
                assertClose(label + ": dM column " + j, col, d, dmem + (long) j * ld, normOf(dMem));
            }
            double[] dWPrev = new double[n];
            if (c.location()) {
                assertClose(label + ": dg", new double[] {fd(x -> loss(c, u, c.key(), c.beta(), c.g() + x, c.s(),
                        c.gamma(), c.wPrev(), c.mem()), h)}, d, dact + HeadActivations.gate(m), 0);
                assertClose(label + ": dgamma", new double[] {fd(x -> loss(c, u, c.key(), c.beta(), c.g(), c.s(),
                        c.gamma() + x, c.wPrev(), c.mem()), h)}, d, dact + HeadActivations.gamma(m, c.shiftRange()), 0);
                double[] dS = new double[shifts];
                for (int j = 0; j < shifts; j++) {
                    int jj = j;
                    dS[j] = fd(x -> loss(c, u, c.key(), c.beta(), c.g(), perturb(c.s(), jj, x), c.gamma(), c.wPrev(),
                            c.mem()), h);
                }
                assertClose(label + ": ds", dS, d, dact + HeadActivations.shift(m), 0);
                for (int i = 0; i < n; i++) {
                    int ii = i;
                    dWPrev[i] = fd(x -> loss(c, u, c.key(), c.beta(), c.g(), c.s(), c.gamma(),
                            perturb(c.wPrev(), ii, x), c.mem()), h);
                }
            }
            // content-only: dwPrev must come back zero
            assertClose(label + ": dw_prev", dWPrev, d, dw, 1e-3);
        }
    }

    private static double loss(Case c, double[] u, double[] key, double beta, double g, double[] s, double gamma,
                               double[] wPrev, double[][] mem) {
        double[] w = forward(c, key, beta, g, s, gamma, wPrev, mem);
        double l = 0;
        for (int i = 0; i < w.length; i++) {
            l += u[i] * w[i];
        }
        return l;
    }

    private static double fd(ToDoubleFunction<Double> f, double h) {
        return (f.applyAsDouble(h) - f.applyAsDouble(-h)) / (2 * h);
    }

    private static double[] perturb(double[] v, int i, double by) {
        double[] c = v.clone();
        c[i] += by;
        return c;
    }

    private static double[][] perturb(double[][] v, int i, int j, double by) {
        double[][] c = new double[v.length][];
        for (int r = 0; r < v.length; r++) {
            c[r] = v[r].clone();
        }
        c[i][j] += by;
        return c;
    }

    private static double normOf(double[][] v) {
        double s = 0;
        for (double[] row : v) {
            for (double x : row) {
                s += x * x;
            }
        }
        return Math.sqrt(s);
    }

    /**
     * {@code ||got - expected|| <= 1e-3 max(||expected||, scale)}: relative to the vector's norm,
     * or to {@code scale} (the norm of the whole tensor it belongs to) when that is larger.
     */
    private static void assertClose(String what, double[] expected, MemorySegment d, long off, double scale) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double g = Buffers.get(d, off + i);
            diff += (g - e) * (g - e);
            norm += e * e;
        }
        double bound = 1e-3 * Math.max(Math.sqrt(norm), scale);
        assertTrue(Math.sqrt(diff) <= bound, what + ": error " + Math.sqrt(diff) + " > " + bound);
    }
}
