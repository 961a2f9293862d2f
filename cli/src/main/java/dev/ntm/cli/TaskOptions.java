package dev.ntm.cli;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.AssociativeRecallTask;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.engine.task.PrioritySortTask;
import dev.ntm.engine.task.RepeatCopyTask;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.Tasks;
import dev.ntm.engine.task.VariableLengthTask;
import picocli.CommandLine.Option;

/** Task selection and length options shared by train and eval, and the model-shape overrides. */
final class TaskOptions {

    @Option(names = "--task", completionCandidates = TaskNames.class, description = "copy, repeat-copy, associative-recall, dynamic-ngrams or priority-sort "
            + "(default: ${DEFAULT-VALUE}).", defaultValue = "copy")
    String task;

    @Option(names = "--min-length", description = "Smallest length (copy, repeat-copy: vectors; associative-recall: items).")
    Integer minLength;

    @Option(names = "--max-length", description = "Largest length (copy, repeat-copy: vectors; associative-recall: items).")
    Integer maxLength;

    @Option(names = "--max-repeats", description = "repeat-copy: largest repeat count (default 10).")
    Integer maxRepeats;

    @Option(names = "--memory", description = "Memory size ROWSxWIDTH, e.g. 128x20 (default: the task's paper configuration).")
    String memory;

    @Option(names = "--hidden", description = "Controller hidden size (default: the paper configuration's).")
    Integer hidden;

    @Option(names = "--layers", description = "Controller layers (default: the paper configuration's).")
    Integer layers;

    @Option(names = "--controller", description = "lstm or feedforward (default: lstm).")
    String controller;

    @Option(names = "--memory-init", description = "Initial memory: constant (a trained tensor starting at 1e-6 in "
            + "every cell), learned (tanh of a trained tensor starting N(0, 0.5)) or random (fixed tanh(N(0, 0.5))); "
            + "default: the paper configuration's (constant), except in ntm train's recipe for copy (learned).")
    String memoryInit;

    /** The task the options describe. */
    Task task() {
        Task base = Tasks.byName(task);
        boolean lengths = minLength != null || maxLength != null;
        return switch (base) {
            case CopyTask c -> lengths ? new CopyTask(c.bits(), or(minLength, c.minLength()), or(maxLength, c.maxLength())) : c;
            case RepeatCopyTask r -> (lengths || maxRepeats != null)
                    ? new RepeatCopyTask(r.bits(), or(minLength, r.minLength()), or(maxLength, r.maxLength()),
                            r.minRepeats(), or(maxRepeats, r.maxRepeats()), r.countNormMax())
                    : r;
            case AssociativeRecallTask a -> lengths
                    ? new AssociativeRecallTask(or(minLength, a.minLength()), or(maxLength, a.maxLength())) : a;
            default -> {
                if (lengths || maxRepeats != null) {
                    throw new IllegalArgumentException("task " + base.name() + " has no length options; "
                            + "--min-length/--max-length apply to copy, repeat-copy and associative-recall");
                }
                yield base;
            }
        };
    }

    /** A task like this one but with every sequence of length exactly {@code length}. */
    Task taskOfLength(int length) {
        return ofLength(task(), length);
    }

    /** {@code t} with every sequence of length exactly {@code length}. */
    static Task ofLength(Task t, int length) {
        return switch (t) {
            case VariableLengthTask v -> v.atLength(length);
            case PrioritySortTask p -> throw new IllegalArgumentException("priority-sort has a fixed length");
            default -> throw new IllegalArgumentException("task " + t.name() + " has no length to vary");
        };
    }

    /** The paper configuration of the task with the overrides applied. */
    NtmConfig config(Task t) {
        NtmConfig.Builder b = Tasks.paperConfig(t).toBuilder();
        if (memory != null) {
            String[] parts = memory.toLowerCase(java.util.Locale.ROOT).split("x");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                b.memory(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--memory must be ROWSxWIDTH such as 128x20, got '" + memory + "'");
            }
        }
        if (hidden != null) {
            b.hiddenSize(hidden);
        }
        if (layers != null) {
            b.layers(layers);
        }
        if (controller != null) {
            b.controller(dev.ntm.engine.io.ConfigJson.controller(controller));
        }
        if (memoryInit != null) {
            try {
                b.memoryInit(dev.ntm.engine.io.ConfigJson.memoryInit(memoryInit));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--memory-init must be constant, learned or random, got '"
                        + memoryInit + "'");
            }
        }
        return b.build();
    }

    /** The task names, for shell completion. */
    static final class TaskNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Tasks.names().iterator();
        }
    }

    private static int or(Integer v, int dflt) {
        return v != null ? v : dflt;
    }
}
