package dev.ntm.engine.task;

import dev.ntm.engine.util.SplitMix64;

/**
 * A sequence task of docs/SPEC.md section 5: draws input/target/mask sequences of a fixed layout.
 *
 * <p>Every random choice comes from the generator passed to {@link #generate}, so a seed fixes the
 * whole stream. Implementations draw only through {@link SplitMix64#nextLong()} and the methods
 * built on it, never {@link SplitMix64#gaussian()}, so the generator's {@link SplitMix64#state()}
 * is all there is to save: a generator restored from it continues the exact same sequences.
 *
 * <p>Tasks are immutable and safe to share across threads (each thread with its own generator).
 */
public interface Task {

    /** The task's registry name, e.g. {@code "copy"} (see {@link Tasks#names()}). */
    String name();

    /** Input width X. */
    int inputSize();

    /** Output width Y. */
    int outputSize();

    /** Draws one sequence; all its randomness comes from {@code rng}. */
    Sequence generate(SplitMix64 rng);

    /** The most steps a sequence can have with this task's current lengths (to size a tape). */
    int maxSteps();

    /** A one-line description of the layout and the lengths. */
    String describe();
}
