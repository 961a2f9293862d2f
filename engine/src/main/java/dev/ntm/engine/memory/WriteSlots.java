package dev.ntm.engine.memory;

/**
 * Where the write heads' weightings, erase and add vectors sit, as float offsets from the start
 * of a row (of activations, or of their gradients): head h's weighting at {@code w + h * wStride},
 * its erase and add vectors at {@code erase + h * eaStride} and {@code add + h * eaStride}.
 * Built once when a tape is laid out.
 *
 * @param heads    number of write heads
 * @param w        first head's weighting (n floats)
 * @param wStride  floats from one head's weighting to the next
 * @param erase    first head's erase vector (m floats)
 * @param add      first head's add vector (m floats)
 * @param eaStride floats from one head's erase (and add) vector to the next
 */
public record WriteSlots(int heads, long w, int wStride, long erase, long add, int eaStride) {
}
