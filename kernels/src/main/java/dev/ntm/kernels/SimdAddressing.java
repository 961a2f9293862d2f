package dev.ntm.kernels;

import static dev.ntm.kernels.VectorMath.E2;
import static dev.ntm.kernels.VectorMath.E3;
import static dev.ntm.kernels.VectorMath.E4;
import static dev.ntm.kernels.VectorMath.E5;
import static dev.ntm.kernels.VectorMath.E6;
import static dev.ntm.kernels.VectorMath.EXP_HI;
import static dev.ntm.kernels.VectorMath.EXP_LO;
import static dev.ntm.kernels.VectorMath.L1;
import static dev.ntm.kernels.VectorMath.L2;
import static dev.ntm.kernels.VectorMath.L3;
import static dev.ntm.kernels.VectorMath.LN2_HI;
import static dev.ntm.kernels.VectorMath.LN2_LO;
import static dev.ntm.kernels.VectorMath.LOG2_E;
import static dev.ntm.kernels.VectorMath.MANTISSA;
import static dev.ntm.kernels.VectorMath.SHIFTER;
import static dev.ntm.kernels.VectorMath.SHIFTER_BITS;
import static dev.ntm.kernels.VectorMath.SIGN_BIT;
import static dev.ntm.kernels.VectorMath.SQRT_HALF_BITS;
import static dev.ntm.kernels.VectorMath.SQRT_HALF_SHIFT;
import static dev.ntm.kernels.VectorMath.T11;
import static dev.ntm.kernels.VectorMath.T3;
import static dev.ntm.kernels.VectorMath.T5;
import static dev.ntm.kernels.VectorMath.T7;
import static dev.ntm.kernels.VectorMath.T9;
import static dev.ntm.kernels.VectorMath.TANH_CLAMP;
import static dev.ntm.kernels.VectorMath.TANH_SMALL;
import static dev.ntm.kernels.VectorMath.TWO_23;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD addressing kernels of {@link SimdKernels}: content addressing (row norms, cosine
 * similarity, key-strength softmax) and location addressing (interpolation, shift, sharpening),
 * forward and backward.
 */
abstract class SimdAddressing extends SimdElementwise implements AddressingKernels {

    // ---------------------------------------------------------------- content addressing

    @Override
    public void rowNorms(MemorySegment mem, long memOff, int n, int m, int ld,
                         MemorySegment norms, long normsOff) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long normsAt = at(norms, normsOff, n);
        if (m <= 0) {
            zero(norms, normsAt, n);
            return;
        }
        long memAt = at(mem, memOff, span(m, ld, n));
        long ldb = ld * 4L;
        int v = sp.length();
        int i = 0;
        // Four vectors of rows at a time: four independent sums down the columns.
        int bound4 = n & -(4 * v);
        for (; i < bound4; i += 4 * v) {
            long o = i * 4L;
            FloatVector s0 = FloatVector.zero(sp);
            FloatVector s1 = FloatVector.zero(sp);
            FloatVector s2 = FloatVector.zero(sp);
            FloatVector s3 = FloatVector.zero(sp);
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                FloatVector v0 = FloatVector.fromMemorySegment(sp, mem, memAt + c, ORDER);
                FloatVector v1 = FloatVector.fromMemorySegment(sp, mem, memAt + c + v * 4L, ORDER);
                FloatVector v2 = FloatVector.fromMemorySegment(sp, mem, memAt + c + (2 * v) * 4L, ORDER);
                FloatVector v3 = FloatVector.fromMemorySegment(sp, mem, memAt + c + (3 * v) * 4L, ORDER);
                s0 = v0.fma(v0, s0);
                s1 = v1.fma(v1, s1);
                s2 = v2.fma(v2, s2);
                s3 = v3.fma(v3, s3);
            }
            s0.sqrt().intoMemorySegment(norms, normsAt + o, ORDER);
            s1.sqrt().intoMemorySegment(norms, normsAt + o + v * 4L, ORDER);
            s2.sqrt().intoMemorySegment(norms, normsAt + o + (2 * v) * 4L, ORDER);
            s3.sqrt().intoMemorySegment(norms, normsAt + o + (3 * v) * 4L, ORDER);
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector s0 = FloatVector.zero(sp);
            for (int j = 0; j < m; j++) {
                FloatVector v0 = FloatVector.fromMemorySegment(sp, mem, memAt + j * ldb + o, ORDER);
                s0 = v0.fma(v0, s0);
            }
            s0.sqrt().intoMemorySegment(norms, normsAt + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            float s = 0f;
            for (int j = 0; j < m; j++) {
                float x = mem.get(F, memAt + j * ldb + o);
                s += x * x;
            }
            norms.set(F, normsAt + o, (float) Math.sqrt(s));
        }
    }

    @Override
    public float cosineSimilarity(MemorySegment key, long keyOff,
                                  MemorySegment mem, long memOff, int n, int m, int ld,
                                  MemorySegment norms, long normsOff,
                                  MemorySegment sim, long simOff) {
        VectorSpecies<Float> sp = species();
        if (m <= 0) {
            if (n > 0) {
                zero(sim, at(sim, simOff, n), n);
            }
            return 0f;
        }
        long keyAt = at(key, keyOff, m);
        float keyNorm = (float) Math.sqrt(dotAt(key, keyAt, key, keyAt, m));
        if (n <= 0) {
            return keyNorm;
        }
        long memAt = at(mem, memOff, span(m, ld, n));
        long normsAt = at(norms, normsOff, n);
        long simAt = at(sim, simOff, n);
        long ldb = ld * 4L;
        int v = sp.length();
        int i = 0;
        int bound4 = n & -(4 * v);
        for (; i < bound4; i += 4 * v) {
            long o = i * 4L;
            FloatVector u0 = FloatVector.zero(sp);
            FloatVector u1 = FloatVector.zero(sp);
            FloatVector u2 = FloatVector.zero(sp);
            FloatVector u3 = FloatVector.zero(sp);
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                FloatVector kj = FloatVector.broadcast(sp, key.get(F, keyAt + j * 4L));
                u0 = FloatVector.fromMemorySegment(sp, mem, memAt + c, ORDER).fma(kj, u0);
                u1 = FloatVector.fromMemorySegment(sp, mem, memAt + c + v * 4L, ORDER).fma(kj, u1);
                u2 = FloatVector.fromMemorySegment(sp, mem, memAt + c + (2 * v) * 4L, ORDER).fma(kj, u2);
                u3 = FloatVector.fromMemorySegment(sp, mem, memAt + c + (3 * v) * 4L, ORDER).fma(kj, u3);
            }
            long vb = v * 4L;
            FloatVector d0 = FloatVector.fromMemorySegment(sp, norms, normsAt + o, ORDER);
            FloatVector d1 = FloatVector.fromMemorySegment(sp, norms, normsAt + o + vb, ORDER);
            FloatVector d2 = FloatVector.fromMemorySegment(sp, norms, normsAt + o + 2 * vb, ORDER);
            FloatVector d3 = FloatVector.fromMemorySegment(sp, norms, normsAt + o + 3 * vb, ORDER);
            u0.div(d0.mul(keyNorm).add(COSINE_EPS)).intoMemorySegment(sim, simAt + o, ORDER);
            u1.div(d1.mul(keyNorm).add(COSINE_EPS)).intoMemorySegment(sim, simAt + o + vb, ORDER);
            u2.div(d2.mul(keyNorm).add(COSINE_EPS)).intoMemorySegment(sim, simAt + o + 2 * vb, ORDER);
            u3.div(d3.mul(keyNorm).add(COSINE_EPS)).intoMemorySegment(sim, simAt + o + 3 * vb, ORDER);
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector u0 = FloatVector.zero(sp);
            for (int j = 0; j < m; j++) {
                u0 = FloatVector.fromMemorySegment(sp, mem, memAt + j * ldb + o, ORDER)
                        .fma(FloatVector.broadcast(sp, key.get(F, keyAt + j * 4L)), u0);
            }
            FloatVector d0 = FloatVector.fromMemorySegment(sp, norms, normsAt + o, ORDER).mul(keyNorm).add(COSINE_EPS);
            u0.div(d0).intoMemorySegment(sim, simAt + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            float u = 0f;
            for (int j = 0; j < m; j++) {
                u += key.get(F, keyAt + j * 4L) * mem.get(F, memAt + j * ldb + o);
            }
            sim.set(F, simAt + o, u / (keyNorm * norms.get(F, normsAt + o) + COSINE_EPS));
        }
        return keyNorm;
    }

    @Override
    public void cosineSimilarityBackward(MemorySegment key, long keyOff, float keyNorm,
                                         MemorySegment mem, long memOff, int n, int m, int ld,
                                         MemorySegment norms, long normsOff,
                                         MemorySegment sim, long simOff,
                                         MemorySegment dsim, long dsimOff,
                                         MemorySegment dkey, long dkeyOff,
                                         MemorySegment dmem, long dmemOff) {
        if (n <= 0 || m <= 0) {
            return;
        }
        long keyAt = at(key, keyOff, m);
        long memAt = at(mem, memOff, span(m, ld, n));
        long normsAt = at(norms, normsOff, n);
        long simAt = at(sim, simOff, n);
        long dsimAt = at(dsim, dsimOff, n);
        long dkeyAt = at(dkey, dkeyOff, m);
        long dmemAt = at(dmem, dmemOff, span(m, ld, n));
        long ldb = ld * 4L;
        float invKeyNorm = keyNorm > 0f ? 1f / keyNorm : 0f;
        // Per row i, with g = dsim_i, D = |k||M(i)| + eps and sim / D = u / D^2:
        //   p = g / D,  q = p sim |M(i)| / |k|,  t = p sim |k| / |M(i)|  (t = 0 if |M(i)| = 0)
        //   dk_j += sum_i p M_ij - k_j sum_i q,   dM_ij += p k_j - t M_ij
        // The first sum of dk costs one lane reduction per column per block of rows, so rows go
        // two vectors at a time; each block is its own small method, which C2 compiles whole.
        int v = species().length();
        float q = 0f;
        int i = 0;
        int bound2 = n & -(2 * v);
        for (; i < bound2; i += 2 * v) {
            long o = i * 4L;
            q += cosineBackwardRows2(key, keyAt, keyNorm, invKeyNorm, mem, memAt + o, m, ldb,
                    norms, normsAt + o, sim, simAt + o, dsim, dsimAt + o, dkey, dkeyAt, dmem, dmemAt + o);
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            long o = i * 4L;
            q += cosineBackwardRows1(key, keyAt, keyNorm, invKeyNorm, mem, memAt + o, m, ldb,
                    norms, normsAt + o, sim, simAt + o, dsim, dsimAt + o, dkey, dkeyAt, dmem, dmemAt + o);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            float g = dsim.get(F, dsimAt + o);
            float rowNorm = norms.get(F, normsAt + o);
            float d = keyNorm * rowNorm + COSINE_EPS;
            float p = g / d;
            float simOverD = sim.get(F, simAt + o) / d;
            q += g * simOverD * rowNorm * invKeyNorm;
            float t = rowNorm > 0f ? g * simOverD * keyNorm / rowNorm : 0f;
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                float mij = mem.get(F, memAt + c);
                long kb = j * 4L;
                dkey.set(F, dkeyAt + kb, dkey.get(F, dkeyAt + kb) + p * mij);
                dmem.set(F, dmemAt + c, dmem.get(F, dmemAt + c) + p * key.get(F, keyAt + kb) - t * mij);
            }
        }
        for (int j = 0; j < m; j++) {
            long kb = j * 4L;
            dkey.set(F, dkeyAt + kb, dkey.get(F, dkeyAt + kb) - q * key.get(F, keyAt + kb));
        }
    }

    /**
     * {@link #cosineSimilarityBackward} for two vectors of rows starting at the given byte offsets
     * (memory and its gradient at their first column): updates dM and the first sum of dk, and
     * returns this block's share of {@code sum_i q}. (Four vectors per block would halve the
     * lane reductions but outgrow C2's node budget.)
     */
    private float cosineBackwardRows2(MemorySegment key, long keyAt, float keyNorm, float invKeyNorm,
                                      MemorySegment mem, long memAt, int m, long ldb,
                                      MemorySegment norms, long nAt, MemorySegment sim, long sAt,
                                      MemorySegment dsim, long gAt, MemorySegment dkey, long dkAt,
                                      MemorySegment dmem, long dmAt) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        long vb = sp.vectorByteSize();
        FloatVector n0 = FloatVector.fromMemorySegment(sp, norms, nAt, ORDER);
        FloatVector n1 = FloatVector.fromMemorySegment(sp, norms, nAt + vb, ORDER);
        FloatVector p0 = FloatVector.fromMemorySegment(sp, dsim, gAt, ORDER).div(n0.mul(keyNorm).add(COSINE_EPS));
        FloatVector p1 = FloatVector.fromMemorySegment(sp, dsim, gAt + vb, ORDER)
                .div(n1.mul(keyNorm).add(COSINE_EPS));
        FloatVector ps0 = p0.mul(FloatVector.fromMemorySegment(sp, sim, sAt, ORDER));
        FloatVector ps1 = p1.mul(FloatVector.fromMemorySegment(sp, sim, sAt + vb, ORDER));
        FloatVector qv = ps0.mul(n0).add(ps1.mul(n1)).mul(invKeyNorm);
        FloatVector t0 = ps0.mul(keyNorm).div(n0).neg().blend(0f, n0.compare(VectorOperators.LE, 0f));
        FloatVector t1 = ps1.mul(keyNorm).div(n1).neg().blend(0f, n1.compare(VectorOperators.LE, 0f));
        for (int j = 0; j < m; j++) {
            long c = j * ldb;
            long kb = j * 4L;
            FloatVector kj = FloatVector.broadcast(sp, key.get(F, keyAt + kb));
            FloatVector m0 = FloatVector.fromMemorySegment(sp, mem, memAt + c, ORDER);
            FloatVector m1 = FloatVector.fromMemorySegment(sp, mem, memAt + c + vb, ORDER);
            t0.fma(m0, p0.fma(kj, FloatVector.fromMemorySegment(sp, dmem, dmAt + c, ORDER)))
                    .intoMemorySegment(dmem, dmAt + c, ORDER);
            t1.fma(m1, p1.fma(kj, FloatVector.fromMemorySegment(sp, dmem, dmAt + c + vb, ORDER)))
                    .intoMemorySegment(dmem, dmAt + c + vb, ORDER);
            FloatVector dk = p0.fma(m0, p1.mul(m1));
            // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
            if (v > 8) {
                dk = dk.add(dk.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
            }
            if (v > 4) {
                dk = dk.add(dk.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
            }
            if (v > 2) {
                dk = dk.add(dk.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
            }
            if (v > 1) {
                dk = dk.add(dk.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
            }
            dkey.set(F, dkAt + kb, dkey.get(F, dkAt + kb) + dk.lane(0));
        }
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            qv = qv.add(qv.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
        }
        if (v > 4) {
            qv = qv.add(qv.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
        }
        if (v > 2) {
            qv = qv.add(qv.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
        }
        if (v > 1) {
            qv = qv.add(qv.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
        }
        return qv.lane(0);
    }

    /** {@link #cosineBackwardRows2} for one vector of rows. */
    private float cosineBackwardRows1(MemorySegment key, long keyAt, float keyNorm, float invKeyNorm,
                                      MemorySegment mem, long memAt, int m, long ldb,
                                      MemorySegment norms, long nAt, MemorySegment sim, long sAt,
                                      MemorySegment dsim, long gAt, MemorySegment dkey, long dkAt,
                                      MemorySegment dmem, long dmAt) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        FloatVector n0 = FloatVector.fromMemorySegment(sp, norms, nAt, ORDER);
        FloatVector p = FloatVector.fromMemorySegment(sp, dsim, gAt, ORDER).div(n0.mul(keyNorm).add(COSINE_EPS));
        FloatVector ps = p.mul(FloatVector.fromMemorySegment(sp, sim, sAt, ORDER));
        FloatVector qv = ps.mul(n0).mul(invKeyNorm);
        FloatVector t = ps.mul(keyNorm).div(n0).neg().blend(0f, n0.compare(VectorOperators.LE, 0f));
        for (int j = 0; j < m; j++) {
            long c = j * ldb;
            long kb = j * 4L;
            FloatVector mv = FloatVector.fromMemorySegment(sp, mem, memAt + c, ORDER);
            FloatVector kj = FloatVector.broadcast(sp, key.get(F, keyAt + kb));
            t.fma(mv, p.fma(kj, FloatVector.fromMemorySegment(sp, dmem, dmAt + c, ORDER)))
                    .intoMemorySegment(dmem, dmAt + c, ORDER);
            FloatVector dk = p.mul(mv);
            // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
            if (v > 8) {
                dk = dk.add(dk.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
            }
            if (v > 4) {
                dk = dk.add(dk.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
            }
            if (v > 2) {
                dk = dk.add(dk.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
            }
            if (v > 1) {
                dk = dk.add(dk.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
            }
            dkey.set(F, dkAt + kb, dkey.get(F, dkAt + kb) + dk.lane(0));
        }
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            qv = qv.add(qv.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
        }
        if (v > 4) {
            qv = qv.add(qv.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
        }
        if (v > 2) {
            qv = qv.add(qv.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
        }
        if (v > 1) {
            qv = qv.add(qv.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
        }
        return qv.lane(0);
    }

    @Override
    public void contentWeighting(MemorySegment sim, long simOff, float beta,
                                 MemorySegment w, long wOff, int n) {
        if (n <= 0) {
            return;
        }
        long simAt = at(sim, simOff, n);
        long wAt = at(w, wOff, n);
        float max = scaledMax(sim, simAt, beta, n);
        float total = expShifted(sim, simAt, beta, max, w, wAt, n);
        scaleInto(1f / total, w, wAt, w, wAt, n);
    }

    @Override
    public float contentWeightingBackward(MemorySegment sim, long simOff, float beta,
                                          MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                                          MemorySegment dsim, long dsimOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return 0f;
        }
        long simAt = at(sim, simOff, n);
        long wAt = at(w, wOff, n);
        long dwAt = at(dw, dwOff, n);
        long dsimAt = at(dsim, dsimOff, n);
        float s = dotAt(w, wAt, dw, dwAt, n);
        int v = sp.length();
        int bound = n & -v;
        FloatVector betaV = FloatVector.broadcast(sp, beta);
        FloatVector dbeta = FloatVector.zero(sp);
        MemorySegment simR = run(sim, simAt, n);
        MemorySegment wR = run(w, wAt, n);
        MemorySegment dwR = run(dw, dwAt, n);
        MemorySegment dsimR = run(dsim, dsimAt, n);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector z = FloatVector.fromMemorySegment(sp, wR, o, ORDER)
                    .mul(FloatVector.fromMemorySegment(sp, dwR, o, ORDER).sub(s));
            z.fma(betaV, FloatVector.fromMemorySegment(sp, dsimR, o, ORDER)).intoMemorySegment(dsimR,
                    o, ORDER);
            dbeta = FloatVector.fromMemorySegment(sp, simR, o, ORDER).fma(z, dbeta);
        }
        for (int half = v >> 1; half > 0; half >>= 1) {
            dbeta = dbeta.add(dbeta.rearrange(VectorShuffle.iota(sp, half, 1, true)));
        }
        float db = dbeta.lane(0);
        for (; i < n; i++) {
            long o = i * 4L;
            float z = wR.get(F, o) * (dwR.get(F, o) - s);
            dsimR.set(F, o, dsimR.get(F, o) + beta * z);
            db += simR.get(F, o) * z;
        }
        return db;
    }

    // ---------------------------------------------------------------- location addressing

    @Override
    public void interpolate(MemorySegment wc, long wcOff, MemorySegment wPrev, long wPrevOff, float g,
                            MemorySegment wg, long wgOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long wcAt = at(wc, wcOff, n);
        long wPrevAt = at(wPrev, wPrevOff, n);
        long wgAt = at(wg, wgOff, n);
        float h = 1f - g;
        int v = sp.length();
        int bound = n & -v;
        MemorySegment wcR = run(wc, wcAt, n);
        MemorySegment wPrevR = run(wPrev, wPrevAt, n);
        MemorySegment wgR = run(wg, wgAt, n);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector.fromMemorySegment(sp, wcR, o, ORDER).mul(g)
                    .add(FloatVector.fromMemorySegment(sp, wPrevR, o, ORDER).mul(h)).intoMemorySegment(wgR,
                    o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            wgR.set(F, o, g * wcR.get(F, o) + h * wPrevR.get(F, o));
        }
    }

    @Override
    public float interpolateBackward(MemorySegment wc, long wcOff, MemorySegment wPrev, long wPrevOff,
                                     float g, MemorySegment dwg, long dwgOff,
                                     MemorySegment dwc, long dwcOff, MemorySegment dwPrev, long dwPrevOff,
                                     int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return 0f;
        }
        long wcAt = at(wc, wcOff, n);
        long wPrevAt = at(wPrev, wPrevOff, n);
        long dwgAt = at(dwg, dwgOff, n);
        long dwcAt = at(dwc, dwcOff, n);
        long dwPrevAt = at(dwPrev, dwPrevOff, n);
        float h = 1f - g;
        FloatVector gv = FloatVector.broadcast(sp, g);
        FloatVector hv = FloatVector.broadcast(sp, h);
        FloatVector dg = FloatVector.zero(sp);
        int v = sp.length();
        int bound = n & -v;
        MemorySegment wcR = run(wc, wcAt, n);
        MemorySegment wPrevR = run(wPrev, wPrevAt, n);
        MemorySegment dwgR = run(dwg, dwgAt, n);
        MemorySegment dwcR = run(dwc, dwcAt, n);
        MemorySegment dwPrevR = run(dwPrev, dwPrevAt, n);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector d = FloatVector.fromMemorySegment(sp, dwgR, o, ORDER);
            FloatVector diff = FloatVector.fromMemorySegment(sp, wcR, o, ORDER)
                    .sub(FloatVector.fromMemorySegment(sp, wPrevR, o, ORDER));
            dg = d.fma(diff, dg);
            d.fma(gv, FloatVector.fromMemorySegment(sp, dwcR, o, ORDER)).intoMemorySegment(dwcR, o,
                    ORDER);
            d.fma(hv, FloatVector.fromMemorySegment(sp, dwPrevR, o, ORDER)).intoMemorySegment(dwPrevR,
                    o, ORDER);
        }
        for (int half = v >> 1; half > 0; half >>= 1) {
            dg = dg.add(dg.rearrange(VectorShuffle.iota(sp, half, 1, true)));
        }
        float dgs = dg.lane(0);
        for (; i < n; i++) {
            long o = i * 4L;
            float d = dwgR.get(F, o);
            dgs += d * (wcR.get(F, o) - wPrevR.get(F, o));
            dwcR.set(F, o, dwcR.get(F, o) + g * d);
            dwPrevR.set(F, o, dwPrevR.get(F, o) + h * d);
        }
        return dgs;
    }

    /**
     * Rotation of shift slot j: {@code ws[i] += s_j wg[(i + r) mod n]} with {@code r = (S - j) mod n}.
     * A rotation is two contiguous pieces, so every shift is two vector loops whatever S and n.
     */
    private static int rotation(int shiftRange, int j, int n) {
        return (int) Math.floorMod((long) shiftRange - j, (long) n);
    }

    @Override
    public void shift(MemorySegment wg, long wgOff, MemorySegment s, long sOff, int shiftRange,
                      MemorySegment ws, long wsOff, int n) {
        if (n <= 0) {
            return;
        }
        int shifts = 2 * shiftRange + 1;
        long wgAt = at(wg, wgOff, n);
        long sAt = at(s, sOff, shifts);
        long wsAt = at(ws, wsOff, n);
        for (int j = 0; j < shifts; j++) {
            float sj = s.get(F, sAt + j * 4L);
            int r = rotation(shiftRange, j, n);
            // i in [0, n - r) reads wg[i + r]; i in [n - r, n) reads wg[i + r - n]
            if (j == 0) {
                scaleInto(sj, wg, wgAt + r * 4L, ws, wsAt, n - r);
                scaleInto(sj, wg, wgAt, ws, wsAt + (n - r) * 4L, r);
            } else {
                axpyAt(sj, wg, wgAt + r * 4L, ws, wsAt, n - r);
                axpyAt(sj, wg, wgAt, ws, wsAt + (n - r) * 4L, r);
            }
        }
    }

    @Override
    public void shiftBackward(MemorySegment wg, long wgOff, MemorySegment s, long sOff, int shiftRange,
                              MemorySegment dws, long dwsOff,
                              MemorySegment dwg, long dwgOff, MemorySegment ds, long dsOff, int n) {
        if (n <= 0) {
            return;
        }
        int shifts = 2 * shiftRange + 1;
        long wgAt = at(wg, wgOff, n);
        long sAt = at(s, sOff, shifts);
        long dwsAt = at(dws, dwsOff, n);
        long dwgAt = at(dwg, dwgOff, n);
        long dsAt = at(ds, dsOff, shifts);
        for (int j = 0; j < shifts; j++) {
            float sj = s.get(F, sAt + j * 4L);
            int r = rotation(shiftRange, j, n);
            // ds_j += sum_i dws[i] wg[(i + r) mod n]
            float d = dotAt(dws, dwsAt, wg, wgAt + r * 4L, n - r) + dotAt(dws, dwsAt + (n - r) * 4L, wg, wgAt, r);
            ds.set(F, dsAt + j * 4L, ds.get(F, dsAt + j * 4L) + d);
            // dwg[k] += s_j dws[(k - r) mod n]: k in [r, n) reads dws[k - r], k in [0, r) reads dws[k - r + n]
            axpyAt(sj, dws, dwsAt, dwg, dwgAt + r * 4L, n - r);
            axpyAt(sj, dws, dwsAt + (n - r) * 4L, dwg, dwgAt, r);
        }
    }

    @Override
    public void sharpen(MemorySegment ws, long wsOff, float gamma, MemorySegment w, long wOff, int n) {
        if (n <= 0) {
            return;
        }
        long wsAt = at(ws, wsOff, n);
        long wAt = at(w, wOff, n);
        // w[i] ~ (base[i] / baseMax)^gamma = exp(gamma log q[i]), as in ScalarKernels
        logRelativeBase(ws, wsAt, w, wAt, n);
        float sum = expShifted(w, wAt, gamma, 0f, w, wAt, n);
        scaleInto(1f / sum, w, wAt, w, wAt, n);
    }

    @Override
    public float sharpenBackward(MemorySegment ws, long wsOff, float gamma,
                                 MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                                 MemorySegment dws, long dwsOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return 0f;
        }
        long wsAt = at(ws, wsOff, n);
        long wAt = at(w, wOff, n);
        long dwAt = at(dw, dwOff, n);
        long dwsAt = at(dws, dwsOff, n);
        // s = s0 + r and z[i] = w[i] ((dw[i] - s0) - r), as in ScalarKernels
        float s0 = dotAt(w, wAt, dw, dwAt, n);
        float r = centredDot(w, wAt, dw, dwAt, s0, n);
        int v = sp.length();
        int bound = n & -v;
        // dws holds log q first (the logarithms as one loop), then the gradient in its place
        logRelativeBase(ws, wsAt, dws, dwsAt, n);
        FloatVector dgamma = FloatVector.zero(sp);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector base = FloatVector.fromMemorySegment(sp, ws, wsAt + o, ORDER).add(SHARPEN_EPS);
            FloatVector z = FloatVector.fromMemorySegment(sp, w, wAt + o, ORDER)
                    .mul(FloatVector.fromMemorySegment(sp, dw, dwAt + o, ORDER).sub(s0).sub(r));
            dgamma = z.fma(FloatVector.fromMemorySegment(sp, dws, dwsAt + o, ORDER), dgamma);
            // + 0: a zero gradient is +0, as the sum onto a zeroed buffer it replaces gave
            z.mul(gamma).div(base).add(0f).intoMemorySegment(dws, dwsAt + o, ORDER);
        }
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            dgamma = dgamma.add(dgamma.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
        }
        if (v > 4) {
            dgamma = dgamma.add(dgamma.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
        }
        if (v > 2) {
            dgamma = dgamma.add(dgamma.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
        }
        if (v > 1) {
            dgamma = dgamma.add(dgamma.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
        }
        float dg = dgamma.lane(0);
        for (; i < n; i++) {
            long o = i * 4L;
            float base = ws.get(F, wsAt + o) + SHARPEN_EPS;
            float z = w.get(F, wAt + o) * ((dw.get(F, dwAt + o) - s0) - r);
            dg += z * dws.get(F, dwsAt + o);
            dws.set(F, dwsAt + o, 0f + gamma * z / base);
        }
        return dg;
    }

    /**
     * {@code out[i] = log q[i]}, {@code q[i] = (ws[i] + eps) / max_j (ws[j] + eps)}: the sharpening's
     * logarithms, forward and backward; the quotients, then one loop of logarithms ({@link #logRun}).
     */
    private void logRelativeBase(MemorySegment ws, long wsAt, MemorySegment out, long outAt, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = n & -v;
        float baseMax = scaledMax(ws, wsAt, 1f, n) + SHARPEN_EPS;
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector.fromMemorySegment(sp, ws, wsAt + o, ORDER).add(SHARPEN_EPS).div(baseMax)
                    .intoMemorySegment(out, outAt + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            out.set(F, outAt + o, (ws.get(F, wsAt + o) + SHARPEN_EPS) / baseMax);
        }
        logRun(out, outAt, n, false);
    }

    /** {@code sum_i w[i] (dw[i] - c)}, lanes folded in the fixed order. */
    private float centredDot(MemorySegment w, long wAt, MemorySegment dw, long dwAt, float c, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = n & -v;
        FloatVector acc = FloatVector.zero(sp);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            acc = FloatVector.fromMemorySegment(sp, w, wAt + o, ORDER)
                    .fma(FloatVector.fromMemorySegment(sp, dw, dwAt + o, ORDER).sub(c), acc);
        }
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            acc = acc.add(acc.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
        }
        if (v > 4) {
            acc = acc.add(acc.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
        }
        if (v > 2) {
            acc = acc.add(acc.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
        }
        if (v > 1) {
            acc = acc.add(acc.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
        }
        float sum = acc.lane(0);
        for (; i < n; i++) {
            long o = i * 4L;
            sum += w.get(F, wAt + o) * (dw.get(F, dwAt + o) - c);
        }
        return sum;
    }
}
