package dev.ntm.engine.train;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Kernels;

/** Adam (lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8), with bias correction, as Collier and Beel train. */
public final class Adam extends Optimizer {
    /** First-moment decay. */
    public static final float BETA1 = 0.9f;
    /** Second-moment decay. */
    public static final float BETA2 = 0.999f;
    /** Denominator guard. */
    public static final float EPS = 1e-8f;

    Adam(Kernels kernels, Arena arena, int size, float lr) {
        super(Kind.ADAM, kernels, arena, size, lr, "m", "v");
    }

    @Override
    public void step(MemorySegment params, MemorySegment grads, float clip) {
        steps++;
        float bc1 = (float) (1 - Math.pow(BETA1, steps));
        float bc2 = (float) (1 - Math.pow(BETA2, steps));
        kernels.adam(params, 0, grads, 0, moment(0), 0, moment(1), 0, size, lr, BETA1, BETA2, EPS, bc1, bc2,
                clip);
    }
}
