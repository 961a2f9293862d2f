package dev.ntm.engine.task;

import java.util.List;
import dev.ntm.engine.NtmConfig;

/**
 * The registry of the five tasks of docs/SPEC.md section 5 and their paper configurations.
 */
public final class Tasks {

    private static final List<String> NAMES = List.of(CopyTask.NAME, RepeatCopyTask.NAME,
            AssociativeRecallTask.NAME, DynamicNGramsTask.NAME, PrioritySortTask.NAME);

    /** Rows N of the paper's memory. */
    public static final int PAPER_MEMORY_ROWS = 128;
    /** Width M of the paper's memory. */
    public static final int PAPER_MEMORY_WIDTH = 20;
    /** Units H per LSTM layer of the paper's controllers. */
    public static final int PAPER_HIDDEN_SIZE = 100;

    private Tasks() {
    }

    /** The task names, in the spec's order: copy, repeat-copy, associative-recall, dynamic-ngrams, priority-sort. */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * The task called {@code name} with the spec's default lengths.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Task byName(String name) {
        return switch (name == null ? "" : name) {
            case CopyTask.NAME -> new CopyTask();
            case RepeatCopyTask.NAME -> new RepeatCopyTask();
            case AssociativeRecallTask.NAME -> new AssociativeRecallTask();
            case DynamicNGramsTask.NAME -> new DynamicNGramsTask();
            case PrioritySortTask.NAME -> new PrioritySortTask();
            default -> throw new IllegalArgumentException("unknown task '" + name + "'; known tasks: "
                    + String.join(", ", NAMES));
        };
    }

    /**
     * The paper's configuration for {@code task} (docs/SPEC.md section 5), with X and Y from the task:
     * memory 128 x 20 and an LSTM controller; priority-sort has two layers of 100 units with 5 read
     * and 5 write heads, the others one layer of 100 units with 1 read and 1 write head. Every other
     * option is the {@link NtmConfig} default.
     */
    public static NtmConfig paperConfig(Task task) {
        boolean sort = PrioritySortTask.NAME.equals(task.name());
        return NtmConfig.builder()
                .inputSize(task.inputSize())
                .outputSize(task.outputSize())
                .memory(PAPER_MEMORY_ROWS, PAPER_MEMORY_WIDTH)
                .controller(NtmConfig.Controller.LSTM)
                .hiddenSize(PAPER_HIDDEN_SIZE)
                .layers(sort ? 2 : 1)
                .readHeads(sort ? 5 : 1)
                .writeHeads(sort ? 5 : 1)
                .build();
    }

    /** The paper's configuration for the task called {@code name} with its default lengths. */
    public static NtmConfig paperConfig(String name) {
        return paperConfig(byName(name));
    }
}
