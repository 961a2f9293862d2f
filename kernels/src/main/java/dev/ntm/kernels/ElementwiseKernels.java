package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Element-wise functions and their derivatives: activations, the LSTM cell, and the loss. One concern of {@link Kernels}, whose conventions
 * (float offsets, column-major memory, accumulating backward kernels, no allocation) apply.
 */
public interface ElementwiseKernels {

    // ---------------------------------------------------------------- element-wise activations

    /** {@code y[i] = 1 / (1 + exp(-x[i]))}; x and y may be the same buffer. */
    void sigmoid(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** {@code y[i] = tanh(x[i])}; x and y may be the same buffer. */
    void tanh(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** {@code y[i] = log(1 + exp(x[i]))}, computed stably; x and y may be the same buffer. */
    void softplus(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** Given {@code y = sigmoid(x)}: {@code dx[i] += dy[i] * y[i] * (1 - y[i])}. */
    void sigmoidBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                         MemorySegment dx, long dxOff, int n);

    /** Given {@code y = tanh(x)}: {@code dx[i] += dy[i] * (1 - y[i]^2)}. */
    void tanhBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                      MemorySegment dx, long dxOff, int n);

    /** Given the <em>input</em> x of softplus: {@code dx[i] += dy[i] * sigmoid(x[i])}. */
    void softplusBackward(MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                          MemorySegment dx, long dxOff, int n);

    /** {@code y = softmax(x)}, max-subtracted; x and y may be the same buffer. */
    void softmax(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** Given {@code y = softmax(x)}: {@code dx[i] += y[i] * (dy[i] - sum_j y[j] dy[j])}. */
    void softmaxBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                         MemorySegment dx, long dxOff, int n);

    /** {@code y[i] = min(max(x[i], -c), c)}; x and y may be the same buffer. */
    void clip(MemorySegment x, long xOff, MemorySegment y, long yOff, int n, float c);

    /** Zeroes {@code dy[i]} wherever the clip was active ({@code |pre[i]| > c}). */
    void clipBackward(MemorySegment pre, long preOff, MemorySegment dy, long dyOff, int n, float c);

    // ---------------------------------------------------------------- LSTM cell

    /**
     * One LSTM cell of {@code h} units for one sequence, after the gate activations: from
     * {@code [i, f, g, o]} at {@code gatesOff} (4h floats) and {@code c_prev} at {@code cPrevOff},
     * writes {@code c = f c_prev + i g} at {@code cellOff} (no fused multiply-add),
     * {@code tanh(c)} at {@code tanhCOff} (as {@link #tanh}) and {@code h = o tanh(c)} at
     * {@code hOff}; all in {@code a}.
     */
    void lstmCellForward(MemorySegment a, long gatesOff, long cPrevOff, long cellOff, long tanhCOff, long hOff,
                         int h);

    /**
     * Backward of one LSTM cell of {@code h} units for one sequence (docs/SPEC.md 1.2,
     * {@code c = f c_prev + i g}, {@code h = o tanh(c)}): from the gate activations
     * {@code [i, f, g, o]} at {@code gatesOff} (4h floats), {@code tanh(c)} at {@code tanhCOff} and
     * {@code c_prev} at {@code cPrevOff} (all in {@code a}), and the gradients dh at {@code dhOff}
     * and dc at {@code dcOff} (in {@code d}): writes the gate pre-activation gradients
     * {@code [di, df, dg, do]} at {@code dzOff} (4h floats) and replaces dc by the gradient of
     * c_prev. Per element: {@code dc' = dc + dh o (1 - tanh(c)^2)}, {@code di = dc' g i (1 - i)},
     * {@code df = dc' c_prev f (1 - f)}, {@code dg = dc' i (1 - g^2)}, {@code do = dh tanh(c) o (1 - o)},
     * {@code dc <- dc' f}, each product left to right and no fused multiply-add, so every
     * implementation gives the same bits.
     */
    void lstmCellBackward(MemorySegment a, long gatesOff, long tanhCOff, long cPrevOff,
                          MemorySegment d, long dhOff, long dcOff, long dzOff, int h);

    // ---------------------------------------------------------------- loss

    /**
     * Binary cross-entropy with logits, summed: returns
     * {@code sum_i max(y,0) - y t + log(1 + exp(-|y|))} (nats) and sets
     * {@code dy[i] += scale * (sigmoid(y[i]) - t[i])}.
     */
    double bceWithLogits(MemorySegment y, long yOff, MemorySegment t, long tOff,
                         MemorySegment dy, long dyOff, int n, float scale);
}
