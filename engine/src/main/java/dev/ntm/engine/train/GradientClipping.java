package dev.ntm.engine.train;

import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Kernels;

/**
 * Gradient clipping (docs/SPEC.md section 4): by global L2 norm (default 50, Collier and Beel) or
 * element-wise to [-c, c] (10, Graves and pytorch-ntm), or none; optionally switching to another
 * clipping once a length curriculum reaches a level (text form {@code norm:5@6:norm:50}: global
 * norm 5 while the curriculum's level is below 6, norm 50 from level 6 on).
 *
 * @param mode      which clipping
 * @param limit     the norm bound or the element bound
 * @param fromLevel the curriculum level from which {@code then} applies (0 when there is no switch)
 * @param then      the clipping from {@code fromLevel} on, or null for none (itself without a switch)
 */
public record GradientClipping(Mode mode, float limit, int fromLevel, GradientClipping then) {

    /** Clipping modes. */
    public enum Mode {
        /** No clipping. */
        NONE,
        /** Scale the whole gradient down when its L2 norm exceeds the limit. */
        GLOBAL_NORM,
        /** Clip every element to [-limit, limit]. */
        ELEMENTWISE
    }

    /** Validates the limit and the switch. */
    public GradientClipping {
        if (mode == null) {
            throw new IllegalArgumentException("gradient clipping needs a mode");
        }
        if (mode != Mode.NONE && (!(limit > 0) || Float.isInfinite(limit))) {
            throw new IllegalArgumentException("gradient clip limit must be finite and > 0, got " + limit);
        }
        if (then != null && (fromLevel < 1 || then.then != null)) {
            throw new IllegalArgumentException("a clipping switch needs a level >= 1 and a clipping without its own "
                    + "switch, got level " + fromLevel + " and " + then);
        }
        if (then == null && fromLevel != 0) {
            throw new IllegalArgumentException("a switch level (" + fromLevel + ") needs a clipping to switch to");
        }
    }

    /** A clipping without a switch. */
    public GradientClipping(Mode mode, float limit) {
        this(mode, limit, 0, null);
    }

    /** This clipping, switching to {@code next} from curriculum level {@code level} on. */
    public GradientClipping switchingAt(int level, GradientClipping next) {
        if (then != null) {
            throw new IllegalArgumentException("clipping " + this + " already has a switch");
        }
        return new GradientClipping(mode, limit, level, next);
    }

    /**
     * The clipping in force at a curriculum level: {@code then} from {@code fromLevel} on, this
     * one (whose mode and limit are the first clipping's) below it; no allocation. A run without
     * a curriculum trains on the full range, the last level: pass {@link Integer#MAX_VALUE}.
     */
    public GradientClipping at(int level) {
        return then != null && level >= fromLevel ? then : this;
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

    /**
     * Text form for logs and checkpoints: {@code norm:50}, {@code value:10} or {@code none}, and
     * with a switch {@code @LEVEL:} and the second clipping ({@code norm:5.0@6:norm:50.0}).
     */
    @Override
    public String toString() {
        String base = switch (mode) {
            case NONE -> "none";
            case GLOBAL_NORM -> "norm:" + limit;
            case ELEMENTWISE -> "value:" + limit;
        };
        return then == null ? base : base + "@" + fromLevel + ":" + then;
    }

    /** Parses the text form of {@link #toString()}. */
    public static GradientClipping parse(String s) {
        int at = s.indexOf('@');
        if (at >= 0) {
            String rest = s.substring(at + 1);
            int colon = rest.indexOf(':');
            int level;
            try {
                level = colon > 0 ? Integer.parseInt(rest.substring(0, colon)) : -1;
            } catch (NumberFormatException e) {
                level = -1;
            }
            if (level < 1 || rest.indexOf('@') >= 0) {
                throw new IllegalArgumentException("bad gradient clipping '" + s + "': expected CLIP@LEVEL:CLIP, "
                        + "e.g. norm:5@6:norm:50 (a curriculum level >= 1, one switch)");
            }
            return parse(s.substring(0, at)).switchingAt(level, parse(rest.substring(colon + 1)));
        }
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
        throw new IllegalArgumentException("bad gradient clipping '" + s + "': expected norm:<max>, value:<c> or none"
                + " (optionally @LEVEL: and a second clipping from that curriculum level on)");
    }
}
