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
 * The SIMD element-wise kernels of {@link SimdKernels}: activations and their derivatives, the
 * LSTM cell, and the loss.
 *
 * <p><b>The last vector.</b> Where n is not a multiple of the vector length v (but at least v), a
 * kernel whose output i depends only on its inputs at i computes its last {@code n mod v} floats
 * as the whole vector that ends at float n, after the loop over the multiples of v. The floats
 * that vector repeats get the same bits again (lane for lane the vector code is the scalar
 * function, {@code ActivationTailTest}), provided it starts from the inputs as they were before the
 * call: an input the kernel also writes (in place, or an accumulated gradient) is therefore read
 * for that vector before the loop and kept in a register. No mask and no blend: a scalar tail of
 * bounds-checked single floats cost 10-20 ns a float (sigmoid at n = 20: 53 ns against 11 at
 * n = 16), and the masked and blended forms measured slower or allocated (PERFORMANCE.md 10f).
 * Buffers are either the same or disjoint, never partly overlapping.
 */
abstract class SimdElementwise extends SimdProducts implements ElementwiseKernels {

    // ---------------------------------------------------------------- element-wise activations

    @Override
    public void sigmoid(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long xAt = at(x, xOff, n);
        long yAt = at(y, yOff, n);
        int v = sp.length();
        int bound = n & -v;
        if (n < v) {
            for (int i = 0; i < n; i++) {
                long o = i * 4L;
                y.set(F, yAt + o, VectorMath.sigmoid(x.get(F, xAt + o)));
            }
            return;
        }
        FloatVector one = FloatVector.broadcast(sp, 1f);
        // the last v inputs, read before the loop can overwrite them (y may be x): see the class comment
        long last = (n - v) * 4L;
        FloatVector xLast = FloatVector.fromMemorySegment(sp, x, xAt + last, ORDER);
        // one pass more for the rest, as the vector ending at n: one copy of the body, so one call
        // site of expAt, which C2 inlines (a second copy for the rest was past its node budget)
        int end = bound < n ? bound + v : bound;
        for (int i = 0; i < end; i += v) {
            boolean rest = i >= bound;
            long o = rest ? last : i * 4L;
            FloatVector xv = rest ? xLast : FloatVector.fromMemorySegment(sp, x, xAt + o, ORDER);
            // VectorMath.sigmoid: e = e^-|x|, then 1 / (1 + e) or e / (1 + e); y holds e meanwhile
            xv.abs().neg().intoMemorySegment(y, yAt + o, ORDER);
            expAt(y, yAt + o);
            FloatVector e = FloatVector.fromMemorySegment(sp, y, yAt + o, ORDER);
            one.blend(e, xv.compare(VectorOperators.LT, 0f)).div(e.add(1f)).intoMemorySegment(y, yAt + o, ORDER);
        }
    }

    @Override
    public void tanh(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long xAt = at(x, xOff, n);
        long yAt = at(y, yOff, n);
        int v = sp.length();
        int bound = n & -v;
        if (n < v) {
            for (int i = 0; i < n; i++) {
                long o = i * 4L;
                y.set(F, yAt + o, VectorMath.tanh(x.get(F, xAt + o)));
            }
            return;
        }
        FloatVector one = FloatVector.broadcast(sp, 1f);
        FloatVector two = FloatVector.broadcast(sp, 2f);
        // the last v inputs, read before the loop can overwrite them (y may be x): see the class comment
        long last = (n - v) * 4L;
        FloatVector xLast = FloatVector.fromMemorySegment(sp, x, xAt + last, ORDER);
        // one pass more for the rest, as the vector ending at n (one call site of expAt: see sigmoid)
        int end = bound < n ? bound + v : bound;
        for (int i = 0; i < end; i += v) {
            boolean rest = i >= bound;
            long o = rest ? last : i * 4L;
            // VectorMath.tanh: an odd polynomial below 0.625, 1 - 2 / (e^{2|x|} + 1) above, on |x|,
            // then x's sign bit; y holds e^{2|x|} meanwhile
            FloatVector xv = rest ? xLast : FloatVector.fromMemorySegment(sp, x, xAt + o, ORDER);
            FloatVector a = xv.abs();
            FloatVector a2 = a.mul(a);
            FloatVector q = a2.fma(T11, T9).fma(a2, FloatVector.broadcast(sp, T7))
                    .fma(a2, FloatVector.broadcast(sp, T5)).fma(a2, FloatVector.broadcast(sp, T3));
            FloatVector small = a.mul(a2).fma(q, a);
            a.min(TANH_CLAMP).mul(2f).intoMemorySegment(y, yAt + o, ORDER);
            expAt(y, yAt + o);
            FloatVector big = one.sub(two.div(FloatVector.fromMemorySegment(sp, y, yAt + o, ORDER).add(1f)));
            small.blend(big, a.compare(VectorOperators.GE, TANH_SMALL)).reinterpretAsInts()
                    .or(xv.reinterpretAsInts().and(SIGN_BIT)).reinterpretAsFloats().intoMemorySegment(y, yAt + o, ORDER);
        }
    }

    @Override
    public void softplus(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long xAt = at(x, xOff, n);
        long yAt = at(y, yOff, n);
        int v = sp.length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            // VectorMath.softplus: log1p(e^-|x|) + max(x, 0), computed in place in y
            FloatVector xv = FloatVector.fromMemorySegment(sp, x, xAt + o, ORDER);
            xv.abs().neg().intoMemorySegment(y, yAt + o, ORDER);
            expAt(y, yAt + o);
            log1pAt(y, yAt + o);
            FloatVector.fromMemorySegment(sp, y, yAt + o, ORDER).add(xv.max(0f)).intoMemorySegment(y, yAt + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            y.set(F, yAt + o, VectorMath.softplus(x.get(F, xAt + o)));
        }
    }

    @Override
    public void sigmoidBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long yAt = at(y, yOff, n);
        long dyAt = at(dy, dyOff, n);
        long dxAt = at(dx, dxOff, n);
        int v = sp.length();
        int bound = n & -v;
        if (n < v) {
            for (int i = 0; i < n; i++) {
                long o = i * 4L;
                float yi = y.get(F, yAt + o);
                dx.set(F, dxAt + o, dx.get(F, dxAt + o) + dy.get(F, dyAt + o) * yi * (1f - yi));
            }
            return;
        }
        FloatVector one = FloatVector.broadcast(sp, 1f);
        // the last v floats of each input, read before the loop writes dx: see the class comment
        long last = (n - v) * 4L;
        FloatVector yLast = FloatVector.fromMemorySegment(sp, y, yAt + last, ORDER);
        FloatVector dyLast = FloatVector.fromMemorySegment(sp, dy, dyAt + last, ORDER);
        FloatVector dxLast = FloatVector.fromMemorySegment(sp, dx, dxAt + last, ORDER);
        for (int i = 0; i < bound; i += v) {
            long o = i * 4L;
            FloatVector yv = FloatVector.fromMemorySegment(sp, y, yAt + o, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER).mul(yv).mul(one.sub(yv));
            FloatVector.fromMemorySegment(sp, dx, dxAt + o, ORDER).add(g).intoMemorySegment(dx, dxAt + o, ORDER);
        }
        if (bound < n) {
            dxLast.add(dyLast.mul(yLast).mul(one.sub(yLast))).intoMemorySegment(dx, dxAt + last, ORDER);
        }
    }

    @Override
    public void tanhBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                             MemorySegment dx, long dxOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long yAt = at(y, yOff, n);
        long dyAt = at(dy, dyOff, n);
        long dxAt = at(dx, dxOff, n);
        int v = sp.length();
        int bound = n & -v;
        if (n < v) {
            for (int i = 0; i < n; i++) {
                long o = i * 4L;
                float yi = y.get(F, yAt + o);
                dx.set(F, dxAt + o, dx.get(F, dxAt + o) + dy.get(F, dyAt + o) * (1f - yi * yi));
            }
            return;
        }
        FloatVector one = FloatVector.broadcast(sp, 1f);
        // the last v floats of each input, read before the loop writes dx: see the class comment
        long last = (n - v) * 4L;
        FloatVector yLast = FloatVector.fromMemorySegment(sp, y, yAt + last, ORDER);
        FloatVector dyLast = FloatVector.fromMemorySegment(sp, dy, dyAt + last, ORDER);
        FloatVector dxLast = FloatVector.fromMemorySegment(sp, dx, dxAt + last, ORDER);
        for (int i = 0; i < bound; i += v) {
            long o = i * 4L;
            FloatVector yv = FloatVector.fromMemorySegment(sp, y, yAt + o, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER).mul(one.sub(yv.mul(yv)));
            FloatVector.fromMemorySegment(sp, dx, dxAt + o, ORDER).add(g).intoMemorySegment(dx, dxAt + o, ORDER);
        }
        if (bound < n) {
            dxLast.add(dyLast.mul(one.sub(yLast.mul(yLast)))).intoMemorySegment(dx, dxAt + last, ORDER);
        }
    }

    @Override
    public void softplusBackward(MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                                 MemorySegment dx, long dxOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long xAt = at(x, xOff, n);
        long dyAt = at(dy, dyOff, n);
        long dxAt = at(dx, dxOff, n);
        int v = sp.length();
        int bound = n & -v;
        FloatVector one = FloatVector.broadcast(sp, 1f);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector xv = FloatVector.fromMemorySegment(sp, x, xAt + o, ORDER);
            FloatVector acc = FloatVector.fromMemorySegment(sp, dx, dxAt + o, ORDER);
            // sigmoid(x) as in the sigmoid kernel; dx holds e^-|x| meanwhile
            xv.abs().neg().intoMemorySegment(dx, dxAt + o, ORDER);
            expAt(dx, dxAt + o);
            FloatVector e = FloatVector.fromMemorySegment(sp, dx, dxAt + o, ORDER);
            FloatVector sig = one.blend(e, xv.compare(VectorOperators.LT, 0f)).div(e.add(1f));
            FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER).fma(sig, acc).intoMemorySegment(dx, dxAt + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            dx.set(F, dxAt + o, dx.get(F, dxAt + o) + dy.get(F, dyAt + o) * VectorMath.sigmoid(x.get(F, xAt + o)));
        }
    }

    @Override
    public void softmax(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        if (n <= 0) {
            return;
        }
        long xAt = at(x, xOff, n);
        long yAt = at(y, yOff, n);
        float max = scaledMax(x, xAt, 1f, n);
        float total = expShifted(x, xAt, 1f, max, y, yAt, n);
        scaleInto(1f / total, y, yAt, y, yAt, n);
    }

    @Override
    public void softmaxBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, int n) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long yAt = at(y, yOff, n);
        long dyAt = at(dy, dyOff, n);
        long dxAt = at(dx, dxOff, n);
        float s = dotAt(y, yAt, dy, dyAt, n);
        int v = sp.length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector.fromMemorySegment(sp, y, yAt + o, ORDER)
                    .fma(FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER).sub(s),
                    FloatVector.fromMemorySegment(sp, dx, dxAt + o, ORDER)).intoMemorySegment(dx, dxAt + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            dx.set(F, dxAt + o, dx.get(F, dxAt + o) + y.get(F, yAt + o) * (dy.get(F, dyAt + o) - s));
        }
    }

    @Override
    public void clip(MemorySegment x, long xOff, MemorySegment y, long yOff, int n, float c) {
        if (n <= 0) {
            return;
        }
        clipAt(x, at(x, xOff, n), y, at(y, yOff, n), n, c);
    }

    @Override
    public void clipBackward(MemorySegment pre, long preOff, MemorySegment dy, long dyOff, int n, float c) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long preAt = at(pre, preOff, n);
        long dyAt = at(dy, dyOff, n);
        int v = sp.length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            VectorMask<Float> active = FloatVector.fromMemorySegment(sp, pre, preAt + o, ORDER).abs()
                    .compare(VectorOperators.GT, c);
            FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER).blend(0f, active).intoMemorySegment(dy, dyAt + o,
                    ORDER);
        }
        if (i < n && n >= v) {
            // the last n mod v floats as the vector that ends at float n: zeroing is idempotent, so the
            // floats it repeats keep their bits (see the class comment)
            long o = (n - v) * 4L;
            VectorMask<Float> active = FloatVector.fromMemorySegment(sp, pre, preAt + o, ORDER).abs()
                    .compare(VectorOperators.GT, c);
            FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER).blend(0f, active).intoMemorySegment(dy, dyAt + o,
                    ORDER);
            i = n;
        }
        for (; i < n; i++) {
            long o = i * 4L;
            float p = pre.get(F, preAt + o);
            if (p > c || p < -c) {
                dy.set(F, dyAt + o, 0f);
            }
        }
    }

    // ---------------------------------------------------------------- LSTM cell

    @Override
    public void lstmCellForward(MemorySegment a, long gatesOff, long cPrevOff, long cellOff, long tanhCOff,
                                long hOff, int h) {
        if (h <= 0) {
            return;
        }
        long gAt = at(a, gatesOff, 4L * h);
        long cpAt = at(a, cPrevOff, h);
        long cAt = at(a, cellOff, h);
        long hAt = at(a, hOff, h);
        long tAt = at(a, tanhCOff, h);
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = h & -v;
        long hb = h * 4L;
        int j = 0;
        for (; j < bound; j += v) {
            long o = j * 4L;
            FloatVector.fromMemorySegment(sp, a, gAt + hb + o, ORDER).mul(FloatVector.fromMemorySegment(sp, a, cpAt + o, ORDER))
                    .add(FloatVector.fromMemorySegment(sp, a, gAt + o, ORDER)
                            .mul(FloatVector.fromMemorySegment(sp, a, gAt + 2 * hb + o, ORDER)))
                    .intoMemorySegment(a, cAt + o, ORDER);
        }
        if (j < h && h >= v) {
            // the last h mod v units: the whole vector that ends at unit h again (c is a function of
            // inputs this kernel does not write, so the units it repeats get the same bits), where
            // scalar accesses, each bounds-checked, cost about 50 ns for the last 4 of 100 units
            long o = (h - v) * 4L;
            FloatVector.fromMemorySegment(sp, a, gAt + hb + o, ORDER).mul(FloatVector.fromMemorySegment(sp, a, cpAt + o, ORDER))
                    .add(FloatVector.fromMemorySegment(sp, a, gAt + o, ORDER)
                            .mul(FloatVector.fromMemorySegment(sp, a, gAt + 2 * hb + o, ORDER)))
                    .intoMemorySegment(a, cAt + o, ORDER);
            j = h;
        }
        for (; j < h; j++) {
            long o = j * 4L;
            a.set(F, cAt + o, a.get(F, gAt + hb + o) * a.get(F, cpAt + o) + a.get(F, gAt + o) * a.get(F, gAt + 2 * hb + o));
        }
        tanh(a, cellOff, a, tanhCOff, h);
        j = 0;
        for (; j < bound; j += v) {
            long o = j * 4L;
            FloatVector.fromMemorySegment(sp, a, gAt + 3 * hb + o, ORDER).mul(FloatVector.fromMemorySegment(sp, a, tAt + o, ORDER))
                    .intoMemorySegment(a, hAt + o, ORDER);
        }
        if (j < h && h >= v) {
            long o = (h - v) * 4L; // as for c
            FloatVector.fromMemorySegment(sp, a, gAt + 3 * hb + o, ORDER).mul(FloatVector.fromMemorySegment(sp, a, tAt + o, ORDER))
                    .intoMemorySegment(a, hAt + o, ORDER);
            j = h;
        }
        for (; j < h; j++) {
            long o = j * 4L;
            a.set(F, hAt + o, a.get(F, gAt + 3 * hb + o) * a.get(F, tAt + o));
        }
    }

    @Override
    public void lstmCellBackward(MemorySegment a, long gatesOff, long tanhCOff, long cPrevOff,
                                 MemorySegment d, long dhOff, long dcOff, long dzOff, int h) {
        if (h <= 0) {
            return;
        }
        long gAt = at(a, gatesOff, 4L * h);
        long tAt = at(a, tanhCOff, h);
        long cpAt = at(a, cPrevOff, h);
        long dhAt = at(d, dhOff, h);
        long dcAt = at(d, dcOff, h);
        long dzAt = at(d, dzOff, 4L * h);
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = h & -v;
        long hb = h * 4L;
        FloatVector one = FloatVector.broadcast(sp, 1f);
        int j = 0;
        for (; j < bound; j += v) {
            long o = j * 4L;
            FloatVector i = FloatVector.fromMemorySegment(sp, a, gAt + o, ORDER);
            FloatVector f = FloatVector.fromMemorySegment(sp, a, gAt + hb + o, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(sp, a, gAt + 2 * hb + o, ORDER);
            FloatVector og = FloatVector.fromMemorySegment(sp, a, gAt + 3 * hb + o, ORDER);
            FloatVector tc = FloatVector.fromMemorySegment(sp, a, tAt + o, ORDER);
            FloatVector dh = FloatVector.fromMemorySegment(sp, d, dhAt + o, ORDER);
            FloatVector dc = FloatVector.fromMemorySegment(sp, d, dcAt + o, ORDER)
                    .add(dh.mul(og).mul(one.sub(tc.mul(tc))));
            dc.mul(g).mul(i).mul(one.sub(i)).intoMemorySegment(d, dzAt + o, ORDER);
            dc.mul(FloatVector.fromMemorySegment(sp, a, cpAt + o, ORDER)).mul(f).mul(one.sub(f))
                    .intoMemorySegment(d, dzAt + hb + o, ORDER);
            dc.mul(i).mul(one.sub(g.mul(g))).intoMemorySegment(d, dzAt + 2 * hb + o, ORDER);
            dh.mul(tc).mul(og).mul(one.sub(og)).intoMemorySegment(d, dzAt + 3 * hb + o, ORDER);
            dc.mul(f).intoMemorySegment(d, dcAt + o, ORDER);
        }
        for (; j < h; j++) {
            long o = j * 4L;
            float i = a.get(F, gAt + o);
            float f = a.get(F, gAt + hb + o);
            float g = a.get(F, gAt + 2 * hb + o);
            float og = a.get(F, gAt + 3 * hb + o);
            float tc = a.get(F, tAt + o);
            float dh = d.get(F, dhAt + o);
            float dc = d.get(F, dcAt + o) + dh * og * (1f - tc * tc);
            d.set(F, dzAt + o, dc * g * i * (1f - i));
            d.set(F, dzAt + hb + o, dc * a.get(F, cpAt + o) * f * (1f - f));
            d.set(F, dzAt + 2 * hb + o, dc * i * (1f - g * g));
            d.set(F, dzAt + 3 * hb + o, dh * tc * og * (1f - og));
            d.set(F, dcAt + o, dc * f);
        }
    }

    // ---------------------------------------------------------------- loss

    @Override
    public double bceWithLogits(MemorySegment y, long yOff, MemorySegment t, long tOff,
                                MemorySegment dy, long dyOff, int n, float scale) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return 0;
        }
        long yAt = at(y, yOff, n);
        long tAt = at(t, tOff, n);
        long dyAt = at(dy, dyOff, n);
        int v = sp.length();
        int bound = n & -v;
        FloatVector one = FloatVector.broadcast(sp, 1f);
        FloatVector scaleV = FloatVector.broadcast(sp, scale);
        FloatVector loss = FloatVector.zero(sp);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector yv = FloatVector.fromMemorySegment(sp, y, yAt + o, ORDER);
            FloatVector tv = FloatVector.fromMemorySegment(sp, t, tAt + o, ORDER);
            FloatVector grad = FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER);
            // dy holds e^-|y|, then log(1 + e^-|y|), meanwhile
            yv.abs().neg().intoMemorySegment(dy, dyAt + o, ORDER);
            expAt(dy, dyAt + o);
            FloatVector ex = FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER);
            // sigmoid(y) = 1 / (1 + e^-|y|) for y >= 0, e^-|y| / (1 + e^-|y|) otherwise, as VectorMath.sigmoid
            FloatVector sig = one.blend(ex, yv.compare(VectorOperators.LT, 0f)).div(ex.add(1f));
            log1pAt(dy, dyAt + o);
            // max(y,0) - y t + log(1 + e^-|y|)
            loss = loss.add(yv.max(0f).sub(yv.mul(tv)).add(FloatVector.fromMemorySegment(sp, dy, dyAt + o, ORDER)));
            sig.sub(tv).fma(scaleV, grad).intoMemorySegment(dy, dyAt + o, ORDER);
        }
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            loss = loss.add(loss.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
        }
        if (v > 4) {
            loss = loss.add(loss.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
        }
        if (v > 2) {
            loss = loss.add(loss.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
        }
        if (v > 1) {
            loss = loss.add(loss.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
        }
        double total = loss.lane(0);
        for (; i < n; i++) {
            long o = i * 4L;
            float yi = y.get(F, yAt + o);
            float ti = t.get(F, tAt + o);
            total += Math.max(yi, 0f) - yi * ti + VectorMath.log1p(VectorMath.exp(-Math.abs(yi)));
            dy.set(F, dyAt + o, dy.get(F, dyAt + o) + scale * (VectorMath.sigmoid(yi) - ti));
        }
        return total;
    }
}
