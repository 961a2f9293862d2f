package dev.ntm.engine.task;

import dev.ntm.engine.util.SplitMix64;

/** Validation and filling helpers shared by the task generators. */
final class TaskChecks {

    /** Largest number of floats one array of a sequence may hold (256 Mi floats, 1 GiB). */
    static final long MAX_SEQUENCE_FLOATS = 1L << 28;

    /** Largest bit-vector width a task accepts. */
    static final int MAX_BITS = 4096;

    private TaskChecks() {
    }

    /** Throws unless {@code lo <= value <= hi}, naming the option and its range. */
    static void range(String task, String option, int value, int lo, int hi) {
        if (value < lo || value > hi) {
            throw new IllegalArgumentException(task + ": " + option + " must be in " + lo + ".." + hi
                    + ", got " + value);
        }
    }

    /** Throws unless {@code min <= max}, naming both options. */
    static void ordered(String task, String minOption, int min, String maxOption, int max) {
        if (min > max) {
            throw new IllegalArgumentException(task + ": " + minOption + " (" + min + ") must be <= "
                    + maxOption + " (" + max + ")");
        }
    }

    /**
     * Checks that the longest sequence fits the limits and returns its step count as an int.
     *
     * @param maxSteps the longest sequence's steps, computed in long arithmetic so it cannot wrap
     */
    static int sequenceSize(String task, long maxSteps, int inputSize, int outputSize) {
        long floats = maxSteps * Math.max(inputSize, outputSize);
        if (maxSteps > Integer.MAX_VALUE || floats > MAX_SEQUENCE_FLOATS) {
            throw new IllegalArgumentException(task + ": the longest sequence would have " + maxSteps
                    + " steps of width " + Math.max(inputSize, outputSize) + " (" + floats
                    + " floats); at most " + MAX_SEQUENCE_FLOATS + " floats per array are allowed: "
                    + "reduce the lengths");
        }
        return (int) maxSteps;
    }

    /** Fills {@code count} floats from {@code offset} with fair random bits (0 or 1). */
    static void randomBits(SplitMix64 rng, float[] a, int offset, int count) {
        for (int i = 0; i < count; i++) {
            a[offset + i] = rng.nextBoolean() ? 1f : 0f;
        }
    }
}
