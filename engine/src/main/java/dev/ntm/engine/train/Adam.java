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

    /** This step's bias corrections, fixed by {@link #begin}. */
    private float bc1;
    private float bc2;

    Adam(Kernels kernels, Arena arena, int size, float lr) {
        super(Kind.ADAM, kernels, arena, size, lr, "m", "v");
    }

    @Override
    void begin() {
        steps++;
        bc1 = (float) (1 - Math.pow(BETA1, steps));
        bc2 = (float) (1 - Math.pow(BETA2, steps));
    }

    @Override
    void update(MemorySegment params, MemorySegment grads, float clip, long from, int n) {
        kernels.adam(params, from, grads, from, moment(0), from, moment(1), from, n, lr, BETA1, BETA2, EPS, bc1, bc2,
                clip);
    }
}
