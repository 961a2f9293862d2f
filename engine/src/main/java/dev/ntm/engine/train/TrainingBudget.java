package dev.ntm.engine.train;

import dev.ntm.engine.MemoryBudget;
import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.Task;

/** The memory a {@link Trainer} and its {@link Evaluator} will allocate, checked before they do. */
final class TrainingBudget {

    private TrainingBudget() {
    }

    /** The estimate for training {@code task} on {@code config} with {@code options}. */
    static MemoryBudget.Need of(NtmConfig config, Task task, TrainerOptions options) {
        int chunks = options.effectiveChunks();
        int moments = options.optimizer() == Optimizer.Kind.ADAM ? 2 : 3;
        long steps = task.maxSteps();
        double chunkNetworks = 0;
        for (int c = 0; c < chunks; c++) {
            int count = (int) ((long) options.batch() * (c + 1) / chunks) - (int) ((long) options.batch() * c / chunks);
            chunkNetworks += MemoryBudget.networkBytes(config, count, steps);
        }
        int evalWorkers = options.threads();
        double evalNetworks = evalWorkers * MemoryBudget.networkBytes(config, Evaluator.BLOCK, steps);
        return MemoryBudget.parameterBuffers(config, 1 + chunks + moments,
                        "parameters, " + chunks + " chunk gradient(s) and " + moments + " optimiser moments")
                .plus(MemoryBudget.Need.offHeap(chunks + " chunk network(s) for " + steps + " steps", chunkNetworks))
                .plus(MemoryBudget.Need.offHeap(evalWorkers + " evaluation network(s)", evalNetworks))
                .plus(MemoryBudget.parameterArrays(config, 1 + moments, "parameter arrays"))
                .plus(MemoryBudget.sequences(config, options.batch() + options.evalSize(), steps,
                        "a batch and an evaluation set of sequences"));
    }

    /** Throws {@link IllegalArgumentException} with the estimate and the limit when it does not fit. */
    static void require(NtmConfig config, Task task, TrainerOptions options) {
        of(config, task, options).require("this training run",
                "--hidden, --memory, the lengths, --batch, --chunks, --threads or --eval-size");
    }
}
