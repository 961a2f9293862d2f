package dev.ntm.engine.train;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Kernels;

/**
 * RMSProp in the form of Graves 2013 (lr 1e-4, decay 0.95, momentum 0.9, eps 1e-4), as the paper
 * and pytorch-ntm train at batch 1: it divides by the running standard deviation of the gradient,
 * {@code sqrt(E[g^2] - E[g]^2 + eps)}, and keeps a momentum of the update.
 */
public final class RmsProp extends Optimizer {
    /** Decay of the running averages. */
    public static final float DECAY = 0.95f;
    /** Momentum of the update. */
    public static final float MOMENTUM = 0.9f;
    /** Guard inside the square root. */
    public static final float EPS = 1e-4f;

    RmsProp(Kernels kernels, Arena arena, int size, float lr) {
        super(Kind.RMSPROP, kernels, arena, size, lr, "sq", "mean", "delta");
    }

    @Override
    void begin() {
        steps++;
    }

    @Override
    void update(MemorySegment params, MemorySegment grads, float clip, long from, int n) {
        kernels.rmsprop(params, from, grads, from, moment(0), from, moment(1), from, moment(2), from, n,
                lr, DECAY, MOMENTUM, EPS, clip);
    }
}
