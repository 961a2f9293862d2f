package dev.ntm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.ntm.cli.viz.TraceFigures;
import dev.ntm.engine.MemoryBudget;
import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.io.TraceFile;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.task.Task;
import dev.ntm.kernels.KernelProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ntm trace}: runs one task sequence through a model and writes the trace file of
 * docs/SPEC.md section 6 (inputs, targets, mask, logits, weightings, memory, loss, gradients), with
 * the write heads' add and erase vectors for {@code ntm viz}.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Run one task sequence through a model and write its trace (safetensors).")
final class TraceCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", description = "Model to trace; without it a fresh model is initialised from --model-seed.")
    Path checkpoint;

    @Option(names = "--model-seed", defaultValue = "1", description = "Seed of the fresh model (default: ${DEFAULT-VALUE}).")
    long modelSeed;

    @Option(names = "--save-checkpoint", description = "Also save the traced model's parameters to this checkpoint.")
    Path saveCheckpoint;

    @Mixin
    TaskOptions taskOptions;

    @Option(names = "--length", description = "Sequence length (default: drawn from the task's range).")
    Integer length;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the sequence (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "trace.safetensors", description = "Trace file (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--no-memory", description = "Leave out the [T+1, N, M] memory tensor.")
    boolean noMemory;

    @Option(names = "--overwrite", description = "Replace an existing file that is not a trace (--out) or not a "
            + "checkpoint (--save-checkpoint); a checkpoint is never replaced by a trace.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check(out, "--out", TraceFile.FORMAT, overwrite);
        if (saveCheckpoint != null) {
            if (saveCheckpoint.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--save-checkpoint and --out name the same file " + out);
            }
            if (Files.exists(saveCheckpoint) && !overwrite) {
                throw new IllegalArgumentException("--save-checkpoint " + saveCheckpoint + " already exists; pass "
                        + "--overwrite to replace it or choose another file name");
            }
        }
        Task task = length != null ? taskOptions.taskOfLength(length) : taskOptions.task();
        NtmConfig config;
        float[] params;
        if (checkpoint != null) {
            Checkpoint.Loaded ck = Checkpoint.load(checkpoint);
            config = ck.config();
            params = ck.params();
        } else {
            config = taskOptions.config(task);
            params = ParamInit.initialize(ParamLayout.of(config), modelSeed);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("task", task.name());
        meta.put("kernels", KernelProvider.get().name());
        if (length != null) {
            meta.put("length", Integer.toString(length));
        }
        long steps = task.maxSteps();
        MemoryBudget.parameterArrays(config, 3, "parameters and their gradients")
                .plus(MemoryBudget.Need.offHeap("the network's activations", MemoryBudget.networkBytes(config, 1, steps)))
                .plus(MemoryBudget.Need.heap("the trace of " + steps + " steps", 4.0 * (steps + 1)
                        * (config.outputSize() + config.heads() * (double) config.memoryRows()
                        + (noMemory ? 0 : (double) config.memoryRows() * config.memoryWidth()))))
                .require("this trace", "--length" + (noMemory ? "" : " or pass --no-memory"));
        meta.put("model", checkpoint != null ? checkpoint.toString() : "fresh model, seed " + modelSeed);
        TraceFile.Trace trace = SequenceTracer.trace(config, params, task, seed, !noMemory, meta);
        TraceFile.write(out, trace);
        if (saveCheckpoint != null) {
            Checkpoint.save(saveCheckpoint, config, params);
        }
        System.out.printf(Locale.ROOT, "traced %s, %d steps: loss %.6f nats, %d bit errors -> %s%n", task.name(),
                trace.steps(), trace.loss(), TraceFigures.bitErrors(trace), out);
        return 0;
    }
}
