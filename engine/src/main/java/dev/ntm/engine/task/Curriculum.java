package dev.ntm.engine.task;

/**
 * A length curriculum: trains on short sequences first and widens the length range as the model
 * solves it.
 *
 * <p>The curriculum's level is the current largest length (the task's length knob, see
 * {@link VariableLengthTask}). It starts at {@code start}; each {@link #report} of an evaluation
 * error at most the threshold raises it by {@code step}, capped at the target task's largest
 * length. The smallest length always stays the target's. The level is one int, so a checkpoint
 * saves it with {@link #level()} and restores it with {@link #restore(int)}.
 *
 * <p>Not thread-safe: one trainer owns it.
 */
public final class Curriculum {

    private final VariableLengthTask target;
    private final int start;
    private final int step;
    private final double threshold;
    private int level;
    private VariableLengthTask current;

    /**
     * A curriculum towards {@code target}.
     *
     * @param target    the task to reach; its length range is the final one
     * @param start     the first largest length, in target.minLength()..target.maxLength()
     * @param step      how much the largest length grows per advance, >= 1
     * @param threshold an evaluation error at most this advances the level (for example 0.01 bit
     *                  errors per sequence, the "solved" of docs/SPEC.md section 3); finite and >= 0
     * @throws IllegalArgumentException naming the bad argument
     */
    public Curriculum(VariableLengthTask target, int start, int step, double threshold) {
        if (target == null) {
            throw new IllegalArgumentException("curriculum: target task must not be null");
        }
        checkLevel(target, "start", start);
        if (step < 1) {
            throw new IllegalArgumentException("curriculum: step must be >= 1, got " + step);
        }
        if (!(threshold >= 0.0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("curriculum: threshold must be finite and >= 0, got " + threshold);
        }
        this.target = target;
        this.start = start;
        this.step = step;
        this.threshold = threshold;
        setLevel(start);
    }

    /** The task at the current level: the target's options with largest length {@link #level()}. */
    public VariableLengthTask current() {
        return current;
    }

    /** The task the curriculum ends at. */
    public VariableLengthTask target() {
        return target;
    }

    /** The current largest length. */
    public int level() {
        return level;
    }

    /** The first level. */
    public int start() {
        return start;
    }

    /** Growth of the largest length per advance. */
    public int step() {
        return step;
    }

    /** The error at or below which a report advances the level. */
    public double threshold() {
        return threshold;
    }

    /** True once the level has reached the target's largest length. */
    public boolean isComplete() {
        return level == target.maxLength();
    }

    /**
     * Reports an evaluation error at the current level (e.g. mean bit errors per sequence); at most
     * the threshold advances the level by one step, capped at the target's largest length.
     *
     * @return true if the level advanced
     * @throws IllegalArgumentException if error is negative or not finite
     */
    public boolean report(double error) {
        if (!(error >= 0.0) || Double.isInfinite(error)) {
            throw new IllegalArgumentException("curriculum: the reported error must be finite and >= 0, got "
                    + error);
        }
        if (error > threshold || isComplete()) {
            return false;
        }
        setLevel((int) Math.min((long) level + step, target.maxLength()));
        return true;
    }

    /**
     * Restores a level saved from {@link #level()}.
     *
     * @throws IllegalArgumentException if the level is outside target.minLength()..target.maxLength()
     */
    public void restore(int savedLevel) {
        checkLevel(target, "saved level", savedLevel);
        setLevel(savedLevel);
    }

    private void setLevel(int newLevel) {
        level = newLevel;
        current = newLevel == target.maxLength() ? target : target.withMaxLength(newLevel);
    }

    private static void checkLevel(VariableLengthTask target, String what, int value) {
        if (value < target.minLength() || value > target.maxLength()) {
            throw new IllegalArgumentException("curriculum: " + what + " must be a largest " + target.lengthName()
                    + " in " + target.minLength() + ".." + target.maxLength() + " (the " + target.name()
                    + " task's range), got " + value);
        }
    }

    @Override
    public String toString() {
        return "curriculum " + target.name() + ": largest " + target.lengthName() + " " + level + " of "
                + target.maxLength() + " (start " + start + ", step " + step + ", threshold " + threshold + ")";
    }
}
