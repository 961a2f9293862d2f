package dev.ntm.engine.addressing;

import static dev.ntm.kernels.Buffers.F32;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.engine.util.SegmentOps;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The addressing of one head against the memory (docs/SPEC.md 1.4): cosine similarity, content
 * softmax {@code wc = softmax(beta K)}, interpolation {@code wg = g wc + (1-g) w_prev}, circular
 * shift by s, and sharpening by gamma; in content-only mode the result is {@code w = wc}.
 *
 * <p>The head's activated parameters (see {@link HeadActivations}) are read at {@code act}. The
 * memory is column-major, {@code n x m} with column stride {@code ld}, and its row norms are
 * computed once per step by the caller. All vectors of n rows sit in one activation segment.
 * An instance owns backward scratch and is not thread-safe.
 */
public final class Addressing {

    private final Kernels k;
    private final int n;
    private final int m;
    private final int ld;
    private final int shiftRange;
    private final boolean location;
    private final MemorySegment scratch;
    private final long dws;
    private final long dwg;
    private final long dwc;
    private final long dsim;

    /**
     * @param location true for content and location addressing, false for content only
     * @param ld       the memory's column stride ({@code >= n})
     * @param arena    where the backward scratch (4 vectors of n rows) is allocated
     */
    public Addressing(Kernels kernels, int n, int m, int ld, int shiftRange, boolean location, Arena arena) {
        this.k = kernels;
        this.n = n;
        this.m = m;
        this.ld = ld;
        this.shiftRange = shiftRange;
        this.location = location;
        int stride = Buffers.alignUp(n);
        this.scratch = Buffers.allocate(arena, 4L * stride);
        this.dws = 0;
        this.dwg = stride;
        this.dwc = 2L * stride;
        this.dsim = 3L * stride;
    }

    /** Whether location addressing (interpolate, shift, sharpen) follows the content weighting. */
    public boolean location() {
        return location;
    }

    /**
     * Forward of one head whose tensors sit at {@code slots} from {@code row}: writes K, and with
     * location addressing wc, wg, ws; always the final weighting w (in content-only mode the
     * content weighting goes straight to w).
     *
     * @param mem   the memory before this step's write (column-major, stride ld)
     * @param norms its row norms
     * @param wPrev the head's previous weighting
     * @return the key norm |k|, which the backward pass needs
     */
    public float forward(MemorySegment a, long row, HeadSlots slots, long mem, long norms, long wPrev) {
        return forward(a, row + slots.act(), mem, norms, wPrev, row + slots.sim(), row + slots.wc(),
                row + slots.wg(), row + slots.ws(), row + slots.w());
    }

    /**
     * Backward of {@link #forward(MemorySegment, long, HeadSlots, long, long, long)}, in reverse
     * order: sharpen, shift, interpolate, content softmax, cosine. The gradient of the final
     * weighting, at {@code grads.dW()} from {@code gradRow}, is consumed and replaced by that of
     * the previous weighting (zero in content-only mode); the gradient of the head's activated
     * parameters is accumulated at {@code grads.dAct()}, that of the memory at {@code dmem}.
     */
    public void backward(MemorySegment a, long row, HeadSlots slots, float keyNorm, long mem, long norms, long wPrev,
                         MemorySegment d, long gradRow, HeadGradientSlots grads, long dmem) {
        long dw = gradRow + grads.dW();
        backward(a, row + slots.act(), keyNorm, mem, norms, wPrev, row + slots.sim(), row + slots.wc(),
                row + slots.wg(), row + slots.ws(), row + slots.w(), d, dw, dw, gradRow + grads.dAct(), dmem);
    }

    private float forward(MemorySegment a, long act, long mem, long norms, long wPrev,
                          long sim, long wc, long wg, long ws, long w) {
        float beta = a.getAtIndex(F32, act + HeadActivations.beta(m));
        float keyNorm = k.cosineSimilarity(a, act, a, mem, n, m, ld, a, norms, a, sim);
        if (!location) {
            k.contentWeighting(a, sim, beta, a, w, n);
            return keyNorm;
        }
        float g = a.getAtIndex(F32, act + HeadActivations.gate(m));
        float gamma = a.getAtIndex(F32, act + HeadActivations.gamma(m, shiftRange));
        k.contentWeighting(a, sim, beta, a, wc, n);
        k.interpolate(a, wc, a, wPrev, g, a, wg, n);
        k.shift(a, wg, a, act + HeadActivations.shift(m), shiftRange, a, ws, n);
        k.sharpen(a, ws, gamma, a, w, n);
        return keyNorm;
    }

    /**
     * Backward of one head, in reverse order: sharpen, shift, interpolate, content softmax, cosine.
     *
     * @param d     gradient segment of the buffers below
     * @param dw    in: gradient of the final weighting w (n rows)
     * @param dwPrev out (overwritten): gradient of w_prev; may be the same buffer as {@code dw},
     *              which is consumed first; zero in content-only mode
     * @param dact  accumulated: gradient of the activated head parameters (k, beta, g, s, gamma)
     * @param dmem  accumulated: gradient of the memory (column-major, stride ld)
     */
    private void backward(MemorySegment a, long act, float keyNorm, long mem, long norms, long wPrev,
                          long sim, long wc, long wg, long ws, long w,
                          MemorySegment d, long dw, long dwPrev, long dact, long dmem) {
        float beta = a.getAtIndex(F32, act + HeadActivations.beta(m));
        MemorySegment s = scratch;
        long wContent;
        MemorySegment dwContentSeg;
        long dwContent;
        if (location) {
            float g = a.getAtIndex(F32, act + HeadActivations.gate(m));
            float gamma = a.getAtIndex(F32, act + HeadActivations.gamma(m, shiftRange));
            // w = sharpen(ws, gamma)
            float dgamma = k.sharpenBackward(a, ws, gamma, a, w, d, dw, s, dws, n);
            // ws = shift(wg, s)
            SegmentOps.zero(s, dwg, n);
            k.shiftBackward(a, wg, a, act + HeadActivations.shift(m), shiftRange, s, dws,
                    s, dwg, d, dact + HeadActivations.shift(m), n);
            // wg = g wc + (1 - g) w_prev; dw is consumed, so dwPrev may reuse it
            SegmentOps.zero(d, dwPrev, n);
            SegmentOps.zero(s, dwc, n);
            float dg = k.interpolateBackward(a, wc, a, wPrev, g, s, dwg, s, dwc, d, dwPrev, n);
            addAt(d, dact + HeadActivations.gate(m), dg);
            addAt(d, dact + HeadActivations.gamma(m, shiftRange), dgamma);
            wContent = wc;
            dwContentSeg = s;
            dwContent = dwc;
        } else {
            wContent = w;
            dwContentSeg = d;
            dwContent = dw;
        }
        // wc = softmax(beta K)
        SegmentOps.zero(s, dsim, n);
        float dbeta = k.contentWeightingBackward(a, sim, beta, a, wContent, dwContentSeg, dwContent, s, dsim, n);
        addAt(d, dact + HeadActivations.beta(m), dbeta);
        if (!location) {
            SegmentOps.zero(d, dwPrev, n);
        }
        // K = cosine(k, M)
        k.cosineSimilarityBackward(a, act, keyNorm, a, mem, n, m, ld, a, norms, a, sim, s, dsim,
                d, dact + HeadActivations.key(), d, dmem);
    }

    private static void addAt(MemorySegment s, long i, float v) {
        s.setAtIndex(F32, i, s.getAtIndex(F32, i) + v);
    }
}
