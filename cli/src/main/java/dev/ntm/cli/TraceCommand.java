package dev.ntm.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.ntm.engine.MemoryBudget;
import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.io.TraceFile;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.model.Network;
import dev.ntm.engine.model.Recording;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.KernelProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ntm trace}: runs one task sequence through a model and writes the trace file of
 * NTM-SPEC section 6 (inputs, targets, mask, logits, weightings, memory, loss, gradients).
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
        if (task.inputSize() != config.inputSize() || task.outputSize() != config.outputSize()) {
            throw new IllegalArgumentException("the model has X=" + config.inputSize() + ", Y=" + config.outputSize()
                    + " but task " + task.name() + " needs X=" + task.inputSize() + ", Y=" + task.outputSize());
        }
        long steps = task.maxSteps();
        MemoryBudget.parameterArrays(config, 3, "parameters and their gradients")
                .plus(MemoryBudget.Need.offHeap("the network's activations", MemoryBudget.networkBytes(config, 1, steps)))
                .plus(MemoryBudget.Need.heap("the trace of " + steps + " steps", 4.0 * (steps + 1)
                        * (config.outputSize() + config.heads() * (double) config.memoryRows()
                        + (noMemory ? 0 : (double) config.memoryRows() * config.memoryWidth()))))
                .require("this trace", "--length" + (noMemory ? "" : " or pass --no-memory"));
        Sequence seq = task.generate(new SplitMix64(seed));
        Recording rec;
        try (Arena arena = Arena.ofShared(); // not confined: see Kernels
             Network net = new Network(config, KernelProvider.get(), 1, seq.steps())) {
            MemorySegment p = Buffers.allocate(arena, params.length);
            Buffers.copy(params, 0, p, 0, params.length);
            rec = net.record(p, seq);
        }
        TraceFile.write(out, new TraceFile.Trace(config, seq.inputs(), seq.targets(), seq.mask(), rec.logits(),
                rec.readWeights(), rec.writeWeights(), noMemory ? null : rec.memory(), (float) rec.loss(),
                rec.gradients(), Map.of("task", task.name(), "kernels", KernelProvider.get().name())));
        if (saveCheckpoint != null) {
            Checkpoint.save(saveCheckpoint, config, params);
        }
        System.out.printf(Locale.ROOT, "traced %s, %d steps: loss %.6f nats, %d bit errors -> %s%n", task.name(),
                seq.steps(), rec.loss(), rec.bitErrors(), out);
        return 0;
    }
}
