package dev.ntm.engine.train;

import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Kernels;

/**
 * Gradient clipping (docs/SPEC.md section 4): by global L2 norm (default 50, Collier and Beel) or
 * element-wise to [-c, c] (10, Graves and pytorch-ntm), or none.
 *
 * @param mode  which clipping
 * @param limit the norm bound or the element bound
 */
public record GradientClipping(Mode mode, float limit) {

    /** Clipping modes. */
    public enum Mode {
        /** No clipping. */
        NONE,
        /** Scale the whole gradient down when its L2 norm exceeds the limit. */
        GLOBAL_NORM,
        /** Clip every element to [-limit, limit]. */
        ELEMENTWISE
    }

    /** Validates the limit. */
    public GradientClipping {
        if (mode != Mode.NONE && (!(limit > 0) || Float.isInfinite(limit))) {
            throw new IllegalArgumentException("gradient clip limit must be finite and > 0, got " + limit);
        }
    }

    /** Global-norm clipping at {@code maxNorm}. */
    public static GradientClipping globalNorm(float maxNorm) {
        return new GradientClipping(Mode.GLOBAL_NORM, maxNorm);
    }

    /** Element-wise clipping to [-c, c]. */
    public static GradientClipping elementwise(float c) {
        return new GradientClipping(Mode.ELEMENTWISE, c);
    }

    /** No clipping. */
    public static GradientClipping none() {
        return new GradientClipping(Mode.NONE, 0f);
    }

    /**
     * Clips {@code n} gradient floats in place.
     *
     * @return the global L2 norm of the gradient before clipping
     */
    public double apply(Kernels kernels, MemorySegment grads, int n) {
        double norm = Math.sqrt(kernels.sumOfSquares(grads, 0, n));
        applyNorm(kernels, grads, n, norm);
        if (mode == Mode.ELEMENTWISE) {
            kernels.clamp(grads, 0, n, limit);
        }
        return norm;
    }

    /**
     * The global-norm part of {@link #apply}, given the gradient's L2 norm (already computed by
     * the caller): scales {@code grads} down when the mode is global-norm and the norm exceeds
     * the limit; nothing otherwise. The element-wise part is {@link #elementBound()}, for an
     * optimiser step that clamps as it reads ({@link Optimizer#step(MemorySegment, MemorySegment, float)}).
     */
    public void applyNorm(Kernels kernels, MemorySegment grads, int n, double norm) {
        if (mode == Mode.GLOBAL_NORM && norm > limit) {
            kernels.scale((float) (limit / norm), grads, 0, n);
        }
    }

    /** The element bound c of element-wise clipping; {@link Float#POSITIVE_INFINITY} for the other modes. */
    public float elementBound() {
        return mode == Mode.ELEMENTWISE ? limit : Float.POSITIVE_INFINITY;
    }

    /** Text form for logs and checkpoints: {@code norm:50}, {@code value:10} or {@code none}. */
    @Override
    public String toString() {
        return switch (mode) {
            case NONE -> "none";
            case GLOBAL_NORM -> "norm:" + limit;
            case ELEMENTWISE -> "value:" + limit;
        };
    }

    /** Parses the text form of {@link #toString()}. */
    public static GradientClipping parse(String s) {
        if (s.equals("none")) {
            return none();
        }
        int colon = s.indexOf(':');
        if (colon > 0) {
            String kind = s.substring(0, colon);
            float v;
            try {
                v = Float.parseFloat(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad clip limit in '" + s + "': expected a number after ':'");
            }
            if (kind.equals("norm")) {
                return globalNorm(v);
            }
            if (kind.equals("value")) {
                return elementwise(v);
            }
        }
        throw new IllegalArgumentException("bad gradient clipping '" + s + "': expected norm:<max>, value:<c> or none");
    }
}
