package dev.ntm.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.ntm.engine.MemoryBudget;
import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.task.DynamicNGramsTask;
import dev.ntm.engine.task.NGramBayesPredictor;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.train.Evaluator;
import dev.ntm.engine.train.Threads;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.KernelProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntm eval}: cost and bit errors of a checkpoint per sequence length (the generalisation test). */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint: cost (bits per sequence) and bit errors per sequence length.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "Model or training checkpoint (.safetensors).")
    Path checkpoint;

    @Mixin
    TaskOptions taskOptions;

    @Option(names = "--lengths", split = ",", description = "Sequence lengths to test, e.g. 10,20,30,50,120 "
            + "(default: the task's own length range).")
    List<Integer> lengths;

    @Option(names = "--count", defaultValue = "200", description = "Sequences per length (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--seed", defaultValue = "12345", description = "Seed of the evaluation data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "1", description = "Worker threads, 1..256 (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        Threads.check(threads);
        if (count < 1) {
            throw new IllegalArgumentException("--count must be >= 1, got " + count);
        }
        Checkpoint.Loaded ck = Checkpoint.load(checkpoint);
        Task base = taskOptions.task();
        if (base.inputSize() != ck.config().inputSize() || base.outputSize() != ck.config().outputSize()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " has X=" + ck.config().inputSize() + ", Y="
                    + ck.config().outputSize() + " but task " + base.name() + " needs X=" + base.inputSize() + ", Y="
                    + base.outputSize() + " (pass the task it was trained on with --task)");
        }
        Map<String, Task> rows = new LinkedHashMap<>();
        if (lengths == null || lengths.isEmpty()) {
            rows.put("all", base);
        } else {
            for (int len : lengths) {
                rows.put(Integer.toString(len), taskOfLength(len));
            }
        }
        long steps = rows.values().stream().mapToLong(Task::maxSteps).max().orElse(1);
        MemoryBudget.parameterBuffers(ck.config(), 1, "parameters")
                .plus(MemoryBudget.Need.offHeap(threads + " evaluation network(s) for " + steps + " steps",
                        threads * MemoryBudget.networkBytes(ck.config(), 32, steps)))
                .plus(MemoryBudget.sequences(ck.config(), count, steps, count + " sequences of up to " + steps + " steps"))
                .require("this evaluation", "--count, --lengths or --threads");
        try (Arena arena = Arena.ofShared();
             Evaluator evaluator = new Evaluator(ck.config(), KernelProvider.get(), threads)) {
            float[] p = ck.params();
            MemorySegment params = Buffers.allocate(arena, p.length);
            Buffers.copy(p, 0, params, 0, p.length);
            System.out.printf(Locale.ROOT, "%s on %s, %d sequences per row, kernels %s%n", checkpoint, base.name(), count,
                    KernelProvider.get().name());
            System.out.printf(Locale.ROOT, "%10s %16s %18s%s%n", "length", "cost bits/seq", "bit errors/seq",
                    base instanceof DynamicNGramsTask ? "   Bayes optimum bits/seq" : "");
            for (Map.Entry<String, Task> row : rows.entrySet()) {
                row(row.getKey(), row.getValue(), params, evaluator);
            }
        }
        return 0;
    }

    private Task taskOfLength(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("--lengths must be >= 1, got " + length);
        }
        return taskOptions.taskOfLength(length);
    }

    private void row(String label, Task task, MemorySegment params, Evaluator evaluator) {
        Trainer.Evaluation e = evaluator.evaluate(params, task, count, seed);
        String extra = "";
        if (task instanceof DynamicNGramsTask ngrams) {
            double bayes = new NGramBayesPredictor(ngrams).meanCostBits(ngrams, new SplitMix64(seed), count);
            extra = String.format(Locale.ROOT, " %24.3f", bayes);
        }
        System.out.printf(Locale.ROOT, "%10s %16.4f %18.4f%s%n", label, e.costBits(), e.bitErrorsPerSequence(), extra);
    }
}
