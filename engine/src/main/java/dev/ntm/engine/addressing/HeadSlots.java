package dev.ntm.engine.addressing;

/**
 * Where one head's addressing tensors sit in a row of activations, as float offsets from the
 * row's start: its activated parameters ({@link HeadActivations}), the similarity K, the content,
 * gated and shifted weightings (-1 in content-only mode, where they are not kept) and the final
 * weighting, n floats each. Built once per head when a tape is laid out, so that a step names
 * what it passes instead of adding offsets.
 *
 * @param act activated head parameters
 * @param sim cosine similarity K
 * @param wc  content weighting
 * @param wg  gated (interpolated) weighting
 * @param ws  shifted weighting
 * @param w   final weighting
 */
public record HeadSlots(long act, long sim, long wc, long wg, long ws, long w) {
}
