package dev.ntm.engine.task;

/**
 * A task with one length knob that a {@link Curriculum} can widen: the sequence length of copy and
 * repeat copy, the number of items of associative recall. The length of each sequence is drawn
 * uniformly from {@link #minLength()}..{@link #maxLength()}.
 */
public interface VariableLengthTask extends Task {

    /** What the length counts, e.g. {@code "length"} or {@code "items"}. */
    String lengthName();

    /** Smallest length drawn. */
    int minLength();

    /** Largest length drawn. */
    int maxLength();

    /**
     * The same task with its largest length replaced by {@code maxLength}, which must be at least
     * {@link #minLength()} and within the task's limits; every other option is kept.
     */
    VariableLengthTask withMaxLength(int maxLength);

    /**
     * The same task with every sequence of length exactly {@code length} (within the task's
     * limits, which need not include the training range); every other option is kept. The
     * stricter half of "solved" evaluates the task at its largest length (docs/SPEC.md section 3).
     */
    VariableLengthTask atLength(int length);
}
